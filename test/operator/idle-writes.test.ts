// Once the OutboxRelays are reconciled and kube-controller-manager has settled their children's status,
// the operator writes nothing (Leases aside): a child's status update that changes nothing the
// OutboxRelay status reads is not work, a child whose live object already holds what would be applied is
// not applied again, and an unchanged report of the relays (the same backlog) is not work either. Before
// this, at 1,000 OutboxRelays, a minute of idle saw 2,198 re-applies (bench/RESULTS.md). A child deleted
// or edited by hand is still put back.
import { metricValue, operatorSuite, operatorWrites, type OperatorProcess } from '../support/operator.js';
import { applyReport, databaseReport, timeAgo } from '../support/relay-report.js';
import { eventually, kubectl, type TestNamespace } from '../support/servers.js';

// The relays' reports, as their pods apply them (none runs on kwok): a holds an unchanged backlog (its
// stalledAfter far enough that it cannot turn Stalled during the test), b and d have nothing pending, c is
// scaled to zero and reports nothing.
const RELAYS = [
  { name: 'a', replicas: 1, pending: 40 },
  { name: 'b', replicas: 1, pending: 0 },
  { name: 'c', replicas: 0 },
  { name: 'd', replicas: 2, pending: 0 },
];
const QUIET_SECONDS = 30;

interface Deployment {
  metadata: { name: string; generation: number; resourceVersion: string };
  spec: { replicas: number };
  status?: { observedGeneration?: number; updatedReplicas?: number; availableReplicas?: number };
}

/** The API server's count of server-side applies and patches of our kinds, from every client. */
async function apiserverWrites(): Promise<number> {
  const text = await kubectl(['get', '--raw', '/metrics']);
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const verb = /verb="(\w+)"/.exec(line)?.[1];
    const resource = /resource="(\w+)"/.exec(line)?.[1];
    const sub = /subresource="(\w*)"/.exec(line)?.[1] ?? '';
    if (
      (verb === 'APPLY' && (resource === 'deployments' || resource === 'cronjobs')) ||
      (verb === 'PATCH' && resource === 'outboxrelays' && sub === 'status')
    ) {
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return sum;
}

const oldest = timeAgo(30_000);
const report = (r: { name: string; pending?: number }) =>
  databaseReport(r.name, `${r.name}-relay-0`, {
    pending: r.pending ?? 0,
    ...(r.pending ? { oldestPendingTime: oldest } : {}),
  });

describe('the operator at rest', () => {
  const suite = operatorSuite('operator-idle', 'SIGTERM');
  let ns: TestNamespace;
  let op: OperatorProcess;
  const deployments = async (): Promise<Deployment[]> =>
    (
      JSON.parse(await kubectl(['get', 'deployments', '-n', ns.name, '-o', 'json'])) as {
        items: Deployment[];
      }
    ).items;

  beforeAll(async () => {
    ns = suite.ns;
    op = await suite.start('idle-operator');
    for (const r of RELAYS) {
      await kubectl(
        ['apply', '-n', ns.name, '-f', '-'],
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: `${r.name}-db` },
          stringData: { host: 'db', port: '5432', username: 'u', password: 'p', database: r.name },
        }),
      );
      await kubectl(
        ['apply', '-n', ns.name, '-f', '-'],
        JSON.stringify({
          apiVersion: 'outbox.kafka-relay.dev/v1alpha1',
          kind: 'OutboxRelay',
          metadata: { name: r.name },
          spec: {
            database: { secretRef: { name: `${r.name}-db` } },
            kafka: { brokers: ['kafka:9092'] },
            relay: { replicas: r.replicas, stalledAfter: '1h' },
          },
        }),
      );
      if (r.pending !== undefined) await applyReport(ns.name, r.name, `${r.name}-relay-0`, [report(r)]);
    }
  });

  it(`makes no write in ${QUIET_SECONDS} s once the children have settled`, async () => {
    await eventually(
      'every OutboxRelay Ready',
      async () => {
        const lines = (await kubectl(['get', 'outboxrelays', '-n', ns.name, '--no-headers']))
          .trim()
          .split('\n');
        return lines.length === RELAYS.length && lines.every((l) => l.split(/\s+/)[3] === 'True')
          ? true
          : undefined;
      },
      90_000,
    );
    // kube-controller-manager has settled: every Deployment observed and rolled out, and no status
    // update for 5 s.
    await eventually(
      'the Deployments settled',
      async () => {
        const before = await deployments();
        const done = before.every(
          (d) =>
            d.status?.observedGeneration === d.metadata.generation &&
            (d.status?.updatedReplicas ?? 0) === d.spec.replicas &&
            (d.status?.availableReplicas ?? 0) === d.spec.replicas,
        );
        if (!done) return undefined;
        await new Promise((r) => setTimeout(r, 5000));
        const after = await deployments();
        return JSON.stringify(after.map((d) => d.metadata.resourceVersion)) ===
          JSON.stringify(before.map((d) => d.metadata.resourceVersion))
          ? true
          : undefined;
      },
      120_000,
    );
    // The operator catches up with the last status updates it was told of.
    await new Promise((r) => setTimeout(r, 3000));

    const ownBefore = operatorWrites(await op.metrics());
    const serverBefore = await apiserverWrites();
    expect(ownBefore).toBeGreaterThan(0);
    // The relays refresh their unchanged reports (a relay writes none, but one that did changes nothing).
    for (let t = 0; t < QUIET_SECONDS; t += 10) {
      for (const r of RELAYS) {
        if (r.pending !== undefined) await applyReport(ns.name, r.name, `${r.name}-relay-0`, [report(r)]);
      }
      await new Promise((resolve) => setTimeout(resolve, 10_000));
    }
    expect(operatorWrites(await op.metrics()) - ownBefore).toBe(0);
    expect((await apiserverWrites()) - serverBefore).toBe(0);
  });

  it('does not reconcile on a child status update that changes nothing the OutboxRelay status reads', async () => {
    const reconciles = async () =>
      metricValue(await op.metrics(), 'outbox_operator_reconciles_total', 'result="success"') ?? 0;
    const before = await reconciles();
    // status.replicas is not read by the OutboxRelay status (spec.replicas is); kube-controller-manager
    // sets it back, a second status-only update.
    await kubectl([
      'patch',
      'deployment',
      'b-relay',
      '-n',
      ns.name,
      '--subresource=status',
      '--type=merge',
      '-p',
      '{"status":{"replicas":2}}',
    ]);
    await new Promise((r) => setTimeout(r, 5000));
    expect(await reconciles()).toBe(before);
  });

  it('reconciles on a metadata edit of a child but applies nothing when no managed field changed', async () => {
    const reconciles = async () =>
      metricValue(await op.metrics(), 'outbox_operator_reconciles_total', 'result="success"') ?? 0;
    const before = await reconciles();
    const ownBefore = operatorWrites(await op.metrics());
    await kubectl(['annotate', 'deployment', 'a-relay', '-n', ns.name, 'example.com/note=by hand']);
    await eventually('a reconcile', async () => ((await reconciles()) > before ? true : undefined), 30_000);
    await new Promise((r) => setTimeout(r, 2000));
    expect(operatorWrites(await op.metrics())).toBe(ownBefore);
  });

  it('still puts back a managed field edited by hand', async () => {
    await kubectl(['scale', 'deployment', 'a-relay', '-n', ns.name, '--replicas=3']);
    await eventually(
      'replicas back to 1',
      async () => {
        const d = JSON.parse(
          await kubectl(['get', 'deployment', 'a-relay', '-n', ns.name, '-o', 'json']),
        ) as Deployment;
        return d.spec.replicas === 1 ? true : undefined;
      },
      30_000,
    );
  });

  it('still puts back a managed label removed by hand', async () => {
    await kubectl(['label', 'cronjob', 'b-cleanup', '-n', ns.name, 'app.kubernetes.io/part-of-']);
    await eventually(
      'the label back',
      async () => {
        const labels = JSON.parse(
          await kubectl(['get', 'cronjob', 'b-cleanup', '-n', ns.name, '-o', 'jsonpath={.metadata.labels}']),
        ) as Record<string, string>;
        return labels['app.kubernetes.io/part-of'] === 'kafka-outbox-relay' ? true : undefined;
      },
      30_000,
    );
  });

  it('still creates again a child deleted by hand', async () => {
    await kubectl(['delete', 'cronjob', 'c-cleanup', '-n', ns.name, '--wait=true']);
    await kubectl(['delete', 'deployment', 'd-relay', '-n', ns.name, '--wait=true']);
    await eventually(
      'both children back',
      async () => {
        const cj = await kubectl([
          'get',
          'cronjob',
          'c-cleanup',
          '-n',
          ns.name,
          '--ignore-not-found',
          '-o',
          'name',
        ]);
        const d = await kubectl([
          'get',
          'deployment',
          'd-relay',
          '-n',
          ns.name,
          '--ignore-not-found',
          '-o',
          'name',
        ]);
        return cj.trim() && d.trim() ? true : undefined;
      },
      30_000,
    );
    expect(metricValue(await op.metrics(), 'outbox_operator_reconcile_errors_total')).toBe(0);
  });
});
