import type { OutboxRelay } from '../api/types.js';
import { desiredChildren } from './children.js';
import {
  desiredRole,
  desiredRoleBinding,
  desiredServiceAccount,
  relayServiceAccountName,
} from './reporter-rbac.js';

const config = { relayImage: 'relay:1' };

function relay(serviceAccountName?: string): OutboxRelay {
  return {
    apiVersion: 'outbox.kafka-relay.dev/v1alpha1',
    kind: 'OutboxRelay',
    metadata: { name: 'orders', namespace: 'shop', uid: 'u-1', generation: 1 },
    spec: {
      database: { driver: 'postgres', secretRef: { name: 'orders-db' } },
      kafka: { brokers: ['kafka:9092'] },
      ...(serviceAccountName ? { relay: { serviceAccountName } } : {}),
    },
  } as OutboxRelay;
}

type PodSpec = { serviceAccountName?: string; automountServiceAccountToken?: boolean };
function podSpecs(r: OutboxRelay): Record<string, PodSpec> {
  const out: Record<string, PodSpec> = {};
  for (const child of desiredChildren(r, config, 'h')) {
    const spec = (child.object as { spec?: Record<string, any> } | undefined)?.spec; // eslint-disable-line @typescript-eslint/no-explicit-any
    if (child.kind.kind === 'Deployment') out.relay = spec?.template.spec as PodSpec;
    if (child.kind.kind === 'CronJob' && spec)
      out[child.kind.component] = spec.jobTemplate.spec.template.spec as PodSpec;
  }
  return out;
}

describe('the relay pods’ ServiceAccount, Role and RoleBinding', () => {
  it('allow only get and patch of this one OutboxRelay’s status', () => {
    expect((desiredRole(relay()) as { rules: unknown }).rules).toEqual([
      {
        apiGroups: ['outbox.kafka-relay.dev'],
        resources: ['outboxrelays/status'],
        resourceNames: ['orders'],
        verbs: ['get', 'patch'],
      },
    ]);
  });

  it('bind the Role to the ServiceAccount the relay Deployment runs as, and only the relay pods mount a token', () => {
    const r = relay();
    expect(desiredRoleBinding(r)).toMatchObject({
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'orders-reporter' },
      subjects: [{ kind: 'ServiceAccount', name: 'orders-reporter', namespace: 'shop' }],
    });
    const pods = podSpecs(r);
    expect(pods.relay).toMatchObject({
      serviceAccountName: 'orders-reporter',
      automountServiceAccountToken: true,
    });
    expect(pods.cleanup?.automountServiceAccountToken).toBe(false);
    expect(pods.cleanup?.serviceAccountName).toBeUndefined();
  });

  it('keep a ServiceAccount the user names, binding the Role to it and making none', () => {
    const r = relay('orders-workload-identity');
    expect(desiredServiceAccount(r)).toBeUndefined();
    expect(relayServiceAccountName(r)).toBe('orders-workload-identity');
    expect(desiredRoleBinding(r)).toMatchObject({
      subjects: [{ kind: 'ServiceAccount', name: 'orders-workload-identity', namespace: 'shop' }],
    });
    expect(podSpecs(r).relay?.serviceAccountName).toBe('orders-workload-identity');
  });

  it('are owned by the OutboxRelay and labelled like the other children', () => {
    for (const object of [
      desiredServiceAccount(relay()),
      desiredRole(relay()),
      desiredRoleBinding(relay()),
    ]) {
      expect(object).toMatchObject({
        metadata: {
          name: 'orders-reporter',
          namespace: 'shop',
          labels: {
            'app.kubernetes.io/managed-by': 'outbox-relay-operator',
            'app.kubernetes.io/component': 'reporter',
          },
          ownerReferences: [{ kind: 'OutboxRelay', name: 'orders', uid: 'u-1', controller: true }],
        },
      });
    }
  });

  it('tell the relay which OutboxRelay and pod it reports for', () => {
    const deployment = desiredChildren(relay(), config, 'h').find((c) => c.kind.kind === 'Deployment')!;
    type Env = Array<Record<string, unknown>>;
    const pod = (deployment.object as { spec: { template: { spec: { containers: Array<{ env: Env }> } } } })
      .spec.template.spec;
    const env = pod.containers[0]!.env;
    expect(env.filter((e) => String(e.name).startsWith('OUTBOX_RELAY_') || e.name === 'POD_NAME')).toEqual([
      { name: 'OUTBOX_RELAY_NAME', value: 'orders' },
      { name: 'OUTBOX_RELAY_NAMESPACE', value: 'shop' },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    ]);
  });
});
