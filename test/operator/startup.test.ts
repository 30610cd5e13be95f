// Starting on a world that already exists: nothing is reconciled before the initial lists are in (else a
// Secret that exists would be reported missing), and a restarted operator that finds everything as it
// should be writes nothing.
import {
  installCrd,
  metricValue,
  serviceAccountKubeconfig,
  startOperatorProcess,
  type OperatorProcess,
} from '../support/operator.js';
import { createNamespace, eventually, kubectl, type TestNamespace } from '../support/servers.js';

const manifests = [
  {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'stock-db' },
    stringData: { host: 'h', port: '5432', username: 'u', password: 'p', database: 'd' },
  },
  {
    apiVersion: 'outbox.kafka-relay.dev/v1alpha1',
    kind: 'OutboxRelay',
    metadata: { name: 'stock' },
    spec: { database: { secretRef: { name: 'stock-db' } }, kafka: { brokers: ['kafka-0.kafka:9092'] } },
  },
]
  .map((o) => JSON.stringify(o))
  .join('\n');

describe('operator startup', () => {
  let ns: TestNamespace;
  let kubeconfig: string;
  const running: OperatorProcess[] = [];
  const start = async (identity: string) => {
    const op = await startOperatorProcess({ kubeconfig, namespace: ns.name, identity, leaderElect: false });
    running.push(op);
    return op;
  };
  const ready = async () =>
    (
      await kubectl([
        'get',
        'outboxrelay',
        'stock',
        '-n',
        ns.name,
        '-o',
        'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
      ])
    ).trim();

  beforeAll(async () => {
    await installCrd();
    ns = await createNamespace('operator-startup');
    kubeconfig = await serviceAccountKubeconfig(ns.name);
    await kubectl(['apply', '-n', ns.name, '-f', '-'], manifests);
  });

  afterAll(async () => {
    await Promise.all(running.map((op) => op.stop('SIGKILL')));
    await ns?.remove();
  });

  it('reconciles resources that existed before it started only with complete caches', async () => {
    const op = await start('startup-first');
    await eventually('Ready True', async () => ((await ready()) === 'True' ? true : undefined), 90_000);
    const events = await kubectl([
      'get',
      'events.events.k8s.io',
      '-n',
      ns.name,
      '-o',
      'jsonpath={.items[*].reason}',
    ]);
    expect(events.split(' ')).not.toContain('SecretNotFound');
    expect(op.output()).not.toContain('SecretNotFound');
    await op.stop('SIGTERM');
  });

  it('writes nothing when restarted on a world that is as it should be', async () => {
    const rv = (
      await kubectl([
        'get',
        'outboxrelay',
        'stock',
        '-n',
        ns.name,
        '-o',
        'jsonpath={.metadata.resourceVersion}',
      ])
    ).trim();
    const deploymentRv = (
      await kubectl([
        'get',
        'deployment',
        'stock-relay',
        '-n',
        ns.name,
        '-o',
        'jsonpath={.metadata.resourceVersion}',
      ])
    ).trim();
    const op = await start('startup-second');
    await eventually(
      'a reconcile by the new operator',
      async () =>
        (metricValue(await op.metrics(), 'outbox_operator_reconciles_total', 'result="success"') ?? 0) > 0
          ? true
          : undefined,
      60_000,
    );
    expect(metricValue(await op.metrics(), 'outbox_operator_status_writes_total')).toBe(0);
    expect(metricValue(await op.metrics(), 'outbox_operator_child_changes_total')).toBeUndefined();
    expect(
      (
        await kubectl([
          'get',
          'outboxrelay',
          'stock',
          '-n',
          ns.name,
          '-o',
          'jsonpath={.metadata.resourceVersion}',
        ])
      ).trim(),
    ).toBe(rv);
    expect(
      (
        await kubectl([
          'get',
          'deployment',
          'stock-relay',
          '-n',
          ns.name,
          '-o',
          'jsonpath={.metadata.resourceVersion}',
        ])
      ).trim(),
    ).toBe(deploymentRv);
  });
});
