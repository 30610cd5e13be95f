// Two operators on one Lease: only the leader reconciles; when it dies without releasing the lease, the
// standby takes over once the lease runs out; a leader that stops cleanly releases it.
import {
  installCrd,
  metricValue,
  serviceAccountKubeconfig,
  startOperatorProcess,
  type OperatorProcess,
} from '../support/operator.js';
import { createNamespace, eventually, kubectl, type TestNamespace } from '../support/servers.js';

const LEASE_SECONDS = 6;

function manifests(name: string): string {
  return [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `${name}-db` },
      stringData: { host: 'h', port: '5432', username: 'u', password: 'p', database: 'd' },
    },
    {
      apiVersion: 'outbox.kafka-relay.dev/v1alpha1',
      kind: 'OutboxRelay',
      metadata: { name },
      spec: { database: { secretRef: { name: `${name}-db` } }, kafka: { brokers: ['kafka-0.kafka:9092'] } },
    },
  ]
    .map((o) => JSON.stringify(o))
    .join('\n');
}

describe('leader election', () => {
  let ns: TestNamespace;
  let kubeconfig: string;
  const running: OperatorProcess[] = [];
  const start = async (identity: string) => {
    const op = await startOperatorProcess({
      kubeconfig,
      namespace: ns.name,
      identity,
      leaseDurationSeconds: LEASE_SECONDS,
    });
    running.push(op);
    return op;
  };
  const holder = async () =>
    (
      await kubectl([
        'get',
        'lease',
        'outbox-relay-operator',
        '-n',
        ns.name,
        '-o',
        'jsonpath={.spec.holderIdentity}',
      ]).catch(() => '')
    ).trim();
  const deploymentOf = (name: string) =>
    eventually(`the Deployment of ${name}`, async () => {
      const out = await kubectl([
        'get',
        'deployment',
        `${name}-relay`,
        '-n',
        ns.name,
        '--ignore-not-found',
        '-o',
        'name',
      ]);
      return out.trim() ? out.trim() : undefined;
    });
  const reconciles = async (op: OperatorProcess) =>
    metricValue(await op.metrics(), 'outbox_operator_reconciles_total', 'result="success"') ?? 0;

  beforeAll(async () => {
    await installCrd();
    ns = await createNamespace('operator-leader');
    kubeconfig = await serviceAccountKubeconfig(ns.name);
  });

  afterAll(async () => {
    await Promise.all(running.map((op) => op.stop('SIGKILL')));
    await ns?.remove();
  });

  it('lets only the leader reconcile, and the standby take over within the lease once the leader dies', async () => {
    const a = await start('operator-a');
    await eventually('operator-a to lead', async () =>
      (await holder()) === 'operator-a' ? true : undefined,
    );
    const b = await start('operator-b');

    await kubectl(['apply', '-n', ns.name, '-f', '-'], manifests('first'));
    await deploymentOf('first');
    await eventually('operator-a to have reconciled', async () =>
      (await reconciles(a)) > 0 ? true : undefined,
    );
    expect(await reconciles(b)).toBe(0);
    expect(metricValue(await b.metrics(), 'outbox_operator_leader')).toBe(0);
    expect((await fetch(`http://127.0.0.1:${b.healthPort}/readyz`)).status).toBe(200);
    expect(await holder()).toBe('operator-a');

    const killedAt = Date.now();
    await a.stop('SIGKILL');
    await eventually(
      'operator-b to take over',
      async () => ((await holder()) === 'operator-b' ? true : undefined),
      60_000,
    );
    console.log(
      `takeover after the leader was killed: ${Date.now() - killedAt} ms (lease ${LEASE_SECONDS} s)`,
    );

    await kubectl(['apply', '-n', ns.name, '-f', '-'], manifests('second'));
    await deploymentOf('second');
    expect(await reconciles(b)).toBeGreaterThan(0);
    const transitions = await kubectl([
      'get',
      'lease',
      'outbox-relay-operator',
      '-n',
      ns.name,
      '-o',
      'jsonpath={.spec.leaseTransitions}',
    ]);
    expect(Number(transitions)).toBeGreaterThanOrEqual(1);
  });

  it('releases the lease when the leader stops cleanly', async () => {
    const b = running.find((op) => op.identity === 'operator-b');
    expect(b).toBeDefined();
    await b?.stop('SIGTERM');
    expect(await holder()).toBe('');
  });
});
