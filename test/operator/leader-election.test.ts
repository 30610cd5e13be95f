// Two operators on one Lease: only the leader reconciles; when it dies without releasing the lease, the
// standby takes over once the lease runs out; a leader that stops cleanly releases it.
import { metricValue, operatorSuite, relayWithSecret, type OperatorProcess } from '../support/operator.js';
import { eventually, kubectl } from '../support/servers.js';

const LEASE_SECONDS = 6;

describe('leader election', () => {
  const suite = operatorSuite('operator-leader');
  const start = (identity: string) => suite.start(identity, { leaseDurationSeconds: LEASE_SECONDS });
  const lease = (expression: string) => suite.jsonpath('lease', 'outbox-relay-operator', expression);
  const holder = () => lease('{.spec.holderIdentity}').catch(() => '');
  const deploymentOf = (name: string) =>
    eventually(`the Deployment of ${name}`, async () => {
      const out = await kubectl([
        'get',
        'deployment',
        `${name}-relay`,
        '-n',
        suite.ns.name,
        '--ignore-not-found',
        '-o',
        'name',
      ]);
      return out.trim() ? out.trim() : undefined;
    });
  const reconciles = async (op: OperatorProcess) =>
    metricValue(await op.metrics(), 'outbox_operator_reconciles_total', 'result="success"') ?? 0;

  it('lets only the leader reconcile, and the standby take over within the lease once the leader dies', async () => {
    const a = await start('operator-a');
    await eventually('operator-a to lead', async () =>
      (await holder()) === 'operator-a' ? true : undefined,
    );
    const b = await start('operator-b');

    await kubectl(['apply', '-n', suite.ns.name, '-f', '-'], relayWithSecret('first'));
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

    await kubectl(['apply', '-n', suite.ns.name, '-f', '-'], relayWithSecret('second'));
    await deploymentOf('second');
    expect(await reconciles(b)).toBeGreaterThan(0);
    const transitions = await lease('{.spec.leaseTransitions}');
    expect(Number(transitions)).toBeGreaterThanOrEqual(1);
  });

  it('releases the lease when the leader stops cleanly', async () => {
    const b = suite.running.find((op) => op.identity === 'operator-b');
    expect(b).toBeDefined();
    await b?.stop('SIGTERM');
    expect(await holder()).toBe('');
  });
});
