import type { KubeObject } from '../kube/client.js';
import {
  changeFilter,
  cronJobFingerprint,
  deploymentFingerprint,
  relayFingerprint,
  roleBindingFingerprint,
  roleFingerprint,
  serviceAccountFingerprint,
} from './fingerprints.js';

function deployment(patch: { generation?: number; status?: Record<string, unknown>; spec?: unknown } = {}) {
  return {
    metadata: {
      name: 'orders-relay',
      namespace: 'shop',
      generation: patch.generation ?? 1,
      resourceVersion: String(Math.random()),
      labels: { a: '1' },
    },
    spec: patch.spec ?? { replicas: 1 },
    status: {
      observedGeneration: 1,
      replicas: 1,
      availableReplicas: 1,
      conditions: [
        { type: 'Available', status: 'True', lastUpdateTime: '2026-01-01T00:00:00Z' },
        { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
      ],
      ...patch.status,
    },
  } as KubeObject;
}

describe('deploymentFingerprint', () => {
  const progressing = { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' };
  it.each([
    ['a new resourceVersion only', false, deployment()],
    [
      'a condition timestamp',
      false,
      deployment({
        status: { conditions: [{ type: 'Available', status: 'True', lastUpdateTime: 'later' }, progressing] },
      }),
    ],
    [
      'observedGeneration and updatedReplicas (the status reads neither)',
      false,
      deployment({ status: { observedGeneration: 2, updatedReplicas: 1 } }),
    ],
    ['availableReplicas', true, deployment({ status: { availableReplicas: 0 } })],
    [
      'the Available condition',
      true,
      deployment({ status: { conditions: [{ type: 'Available', status: 'False' }, progressing] } }),
    ],
    [
      'a rollout past its deadline',
      true,
      deployment({
        status: {
          conditions: [
            { type: 'Available', status: 'True' },
            { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' },
          ],
        },
      }),
    ],
    ['the spec (a new generation)', true, deployment({ generation: 2, spec: { replicas: 3 } })],
  ])('a change of %s is work: %s', (_name, expected, after) => {
    expect(deploymentFingerprint(after) !== deploymentFingerprint(deployment())).toBe(expected);
  });
});

describe('cronJobFingerprint', () => {
  const cj = (status: unknown, labels = { a: '1' }) =>
    ({ metadata: { name: 'c', namespace: 'shop', generation: 1, labels }, status }) as KubeObject;

  it('ignores the status (lastScheduleTime, active jobs)', () => {
    expect(cronJobFingerprint(cj({ lastScheduleTime: 'x', active: [{ name: 'j' }] }))).toBe(
      cronJobFingerprint(cj({})),
    );
  });

  it('sees a label edit', () => {
    expect(cronJobFingerprint(cj({}, { a: '2' }))).not.toBe(cronJobFingerprint(cj({})));
  });
});

describe('relayFingerprint', () => {
  const r = (generation: number, status: unknown) =>
    ({ metadata: { name: 'r', namespace: 'shop', generation }, status }) as KubeObject;

  it("ignores the operator's own status fields and sees the generation", () => {
    expect(relayFingerprint(r(1, { a: 1 }))).toBe(relayFingerprint(r(1, { a: 2 })));
    expect(relayFingerprint(r(1, { backlog: 1, conditions: [] }))).toBe(
      relayFingerprint(r(1, { backlog: 2, conditions: [{ type: 'Ready' }] })),
    );
    expect(relayFingerprint(r(2, {}))).not.toBe(relayFingerprint(r(1, {})));
  });

  it("sees a change of the relays' reports (status.databases)", () => {
    const report = (pending: number) => ({ databases: [{ name: 'd', pending }], backlog: 1 });
    expect(relayFingerprint(r(1, report(1)))).not.toBe(relayFingerprint(r(1, report(2))));
    expect(relayFingerprint(r(1, report(1)))).toBe(relayFingerprint(r(1, { ...report(1), backlog: 9 })));
    expect(relayFingerprint(r(1, report(1)))).not.toBe(relayFingerprint(r(1, {})));
  });
});

describe('changeFilter', () => {
  it('passes adds and deletes, and updates only when the fingerprint moved', () => {
    const isWork = changeFilter(deploymentFingerprint);
    expect(isWork('add', deployment())).toBe(true);
    expect(isWork('update', deployment())).toBe(false);
    expect(isWork('update', deployment({ status: { availableReplicas: 0 } }))).toBe(true);
    expect(isWork('update', deployment({ status: { availableReplicas: 0 } }))).toBe(false);
    expect(isWork('delete', deployment())).toBe(true);
  });

  it('passes an update of an object it has not seen (after a delete, or a relist)', () => {
    const isWork = changeFilter(deploymentFingerprint);
    expect(isWork('update', deployment())).toBe(true);
    isWork('delete', deployment());
    expect(isWork('update', deployment())).toBe(true);
  });

  it('keeps objects of the same name in different namespaces apart', () => {
    const isWork = changeFilter(cronJobFingerprint);
    const a = { metadata: { name: 'c', namespace: 'a', generation: 1 } };
    const b = { metadata: { name: 'c', namespace: 'b', generation: 1 } };
    expect(isWork('add', a)).toBe(true);
    expect(isWork('update', b)).toBe(true);
    expect(isWork('update', a)).toBe(false);
  });
});

describe('the relay pods’ RBAC fingerprints', () => {
  const meta = (resourceVersion: string) => ({
    name: 'orders-reporter',
    namespace: 'shop',
    resourceVersion,
    labels: { a: '1' },
  });
  const role = (verbs: string[], rv = '1') =>
    ({ metadata: meta(rv), rules: [{ resources: ['outboxrelays/status'], verbs }] }) as KubeObject;
  const binding = (subject: string, rv = '1') =>
    ({
      metadata: meta(rv),
      roleRef: { kind: 'Role', name: 'orders-reporter' },
      subjects: [{ kind: 'ServiceAccount', name: subject }],
    }) as KubeObject;

  it('make an edited rule work, and a new resourceVersion alone not', () => {
    const isWork = changeFilter(roleFingerprint);
    expect(isWork('add', role(['get', 'patch']))).toBe(true);
    expect(isWork('update', role(['get', 'patch'], '2'))).toBe(false);
    expect(isWork('update', role(['get', 'patch', 'update'], '3'))).toBe(true);
  });

  it('make a changed subject of the RoleBinding work, and its deletion', () => {
    const isWork = changeFilter(roleBindingFingerprint);
    expect(isWork('add', binding('orders-reporter'))).toBe(true);
    expect(isWork('update', binding('orders-reporter', '2'))).toBe(false);
    expect(isWork('update', binding('someone-else', '3'))).toBe(true);
    expect(isWork('delete', binding('someone-else', '3'))).toBe(true);
  });

  it('make a ServiceAccount’s token setting work, and the token controller’s secrets not', () => {
    const isWork = changeFilter(serviceAccountFingerprint);
    const sa = (automount: boolean, rv: string, secrets: unknown[] = []) =>
      ({ metadata: meta(rv), automountServiceAccountToken: automount, secrets }) as KubeObject;
    expect(isWork('add', sa(false, '1'))).toBe(true);
    expect(isWork('update', sa(false, '2', [{ name: 'orders-reporter-token-x' }]))).toBe(false);
    expect(isWork('update', sa(true, '3'))).toBe(true);
  });
});
