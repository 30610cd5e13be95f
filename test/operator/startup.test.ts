// Starting on a world that already exists: nothing is reconciled before the initial lists are in (else a
// Secret that exists would be reported missing), and a restarted operator that finds everything as it
// should be writes nothing.
import { metricValue, operatorSuite, relayWithSecret } from '../support/operator.js';
import { applyReport, databaseReport } from '../support/relay-report.js';
import { eventually, kubectl } from '../support/servers.js';

describe('operator startup', () => {
  const suite = operatorSuite('operator-startup');
  const start = (identity: string) => suite.start(identity, { leaderElect: false });
  const ready = () =>
    suite.jsonpath('outboxrelay', 'stock', '{.status.conditions[?(@.type=="Ready")].status}');
  const resourceVersion = (kind: string, name: string) =>
    suite.jsonpath(kind, name, '{.metadata.resourceVersion}');

  beforeAll(async () => {
    await kubectl(['apply', '-n', suite.ns.name, '-f', '-'], relayWithSecret('stock'));
    // The relay pod's report, as it would apply it (none runs on kwok): Ready needs Publishing.
    await applyReport(suite.ns.name, 'stock', 'stock-relay-0', [databaseReport('d', 'stock-relay-0')]);
  });

  it('reconciles resources that existed before it started only with complete caches', async () => {
    const op = await start('startup-first');
    await eventually('Ready True', async () => ((await ready()) === 'True' ? true : undefined), 90_000);
    const events = await kubectl([
      'get',
      'events.events.k8s.io',
      '-n',
      suite.ns.name,
      '-o',
      'jsonpath={.items[*].reason}',
    ]);
    expect(events.split(' ')).not.toContain('SecretNotFound');
    expect(op.output()).not.toContain('SecretNotFound');
    await op.stop('SIGTERM');
  });

  it('writes nothing when restarted on a world that is as it should be', async () => {
    const rv = await resourceVersion('outboxrelay', 'stock');
    const deploymentRv = await resourceVersion('deployment', 'stock-relay');
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
    expect(await resourceVersion('outboxrelay', 'stock')).toBe(rv);
    expect(await resourceVersion('deployment', 'stock-relay')).toBe(deploymentRv);
  });
});
