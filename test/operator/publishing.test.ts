// The Publishing condition and the report columns end to end: the operator runs as its own process on the
// local API server (kwok runs the relay pods, so no relay reports), and the test plays the relay pod,
// applying its reports to status.databases under the relay's field manager as the status contract says.
// Each reason of Publishing, Ready following it, an Event at each transition, the requeue that turns an
// unchanged backlog Stalled, and what `kubectl get outboxrelays` prints.
import { operatorSuite } from '../support/operator.js';
import { applyReport, databaseReport, timeAgo, type DatabaseReport } from '../support/relay-report.js';
import { eventually, kubectl, type TestNamespace } from '../support/servers.js';

const NAME = 'orders';
const POD = 'orders-relay-7d9f-abcde';
const BROKERS = ['kafka-0.kafka:9092', 'kafka-1.kafka:9092'];

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  lastTransitionTime: string;
}

function resources(stalledAfter?: string): string {
  return [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'orders-db' },
      stringData: { host: 'db', port: '5432', username: 'u', password: 'p', database: 'orders' },
    },
    {
      apiVersion: 'outbox.kafka-relay.dev/v1alpha1',
      kind: 'OutboxRelay',
      metadata: { name: NAME },
      spec: {
        database: { secretRef: { name: 'orders-db' } },
        kafka: { brokers: BROKERS },
        ...(stalledAfter ? { relay: { stalledAfter } } : {}),
      },
    },
  ]
    .map((o) => JSON.stringify(o))
    .join('\n');
}

describe('Publishing, Ready and the report columns on the real API server', () => {
  const suite = operatorSuite('operator-publishing', 'SIGTERM');
  let ns: TestNamespace;

  const conditions = async (): Promise<Condition[]> =>
    JSON.parse((await suite.jsonpath('outboxrelay', NAME, '{.status.conditions}')) || '[]') as Condition[];
  const condition = async (type: string) => (await conditions()).find((c) => c.type === type);
  const report = (change: Partial<DatabaseReport> = {}) =>
    applyReport(ns.name, NAME, POD, [databaseReport('orders', POD, change)]);
  /** Waits until Publishing and Ready both have `reason` (Ready's is Ready when Publishing is True). */
  const waitFor = (status: string, reason: string) =>
    eventually(
      `Publishing ${status} ${reason}`,
      async () => {
        const publishing = await condition('Publishing');
        const ready = await condition('Ready');
        const readyReason = status === 'True' ? 'Ready' : reason;
        return publishing?.status === status &&
          publishing.reason === reason &&
          ready?.reason === readyReason &&
          ready.status === (status === 'True' ? 'True' : 'False')
          ? { publishing, ready }
          : undefined;
      },
      60_000,
    );
  const events = async () =>
    (
      JSON.parse(
        await kubectl([
          'get',
          'events.events.k8s.io',
          '-n',
          ns.name,
          '--field-selector',
          `regarding.name=${NAME}`,
          '-o',
          'json',
        ]),
      ) as { items: Array<{ type: string; reason: string; note: string }> }
    ).items;

  beforeAll(async () => {
    ns = suite.ns;
    await suite.start('publishing-operator');
    await kubectl(['apply', '-n', ns.name, '-f', '-'], resources());
    await eventually(
      'the relay Deployment available',
      async () =>
        (await suite.jsonpath('outboxrelay', NAME, '{.status.conditions[?(@.type=="Available")].status}')) ===
        'True'
          ? true
          : undefined,
      90_000,
    );
  });

  it('is Unknown (AwaitingReport) and not Ready before the relay pod reports', async () => {
    await waitFor('Unknown', 'AwaitingReport');
  });

  it('is True (Idle) and Ready once the relay reports nothing pending', async () => {
    await report();
    await waitFor('True', 'Idle');
    expect(await suite.jsonpath('outboxrelay', NAME, '{.status.backlog}')).toBe('0');
  });

  it('prints BACKLOG, OLDEST as an age, and with -o wide LAST PUBLISHED and BROKERS as plain text', async () => {
    await report({ pending: 12, oldestPendingTime: timeAgo(120_000), lastPublishedTime: timeAgo(10_000) });
    await waitFor('True', 'Publishing');
    await eventually('BACKLOG 12', async () =>
      (await suite.jsonpath('outboxrelay', NAME, '{.status.backlog}')) === '12' ? true : undefined,
    );
    const lines = (await kubectl(['get', 'outboxrelays', '-n', ns.name])).trim().split('\n');
    expect(lines[0]?.split(/\s+/)).toEqual([
      'NAME',
      'DRIVER',
      'TABLE',
      'READY',
      'REASON',
      'BACKLOG',
      'OLDEST',
      'AGE',
    ]);
    const row = lines[1]?.split(/\s+/) ?? [];
    expect(row.slice(0, 6)).toEqual([NAME, 'postgres', 'kafka_outbox', 'True', 'Ready', '12']);
    // A date column prints the age of the time (kubectl's 2m, 2m5s), not the time itself.
    expect(row[6]).toMatch(/^2m(\d+s)?$/);

    const wide = (await kubectl(['get', 'outboxrelays', '-n', ns.name, '-o', 'wide'])).trim().split('\n');
    expect(wide[0]).toMatch(/\bAGE\s+LAST PUBLISHED\s+BROKERS\s+AVAILABLE\b/);
    const cells = wide[1]?.split(/\s+/) ?? [];
    expect(cells[8]).toMatch(/^\d+s$/);
    expect(cells[9]).toBe(BROKERS.join(','));
  });

  // [case, the report, the reason, text the message must contain]
  const failures: Array<[string, Partial<DatabaseReport>, string, string]> = [
    [
      'refused Kafka credentials',
      { kafka: { state: 'Unauthorized', message: 'SASL SCRAM-SHA-512 authentication failed' } },
      'KafkaUnauthorized',
      'SASL SCRAM-SHA-512 authentication failed',
    ],
    [
      'an unreachable Kafka',
      { kafka: { state: 'Unavailable', message: 'connect ECONNREFUSED 10.0.0.9:9092' } },
      'KafkaUnavailable',
      'ECONNREFUSED',
    ],
    [
      'an unreachable database',
      { database: { state: 'Unavailable', message: 'connect ECONNREFUSED 10.0.0.5:5432' } },
      'DatabaseUnavailable',
      'database orders',
    ],
    [
      'a missing topic holding rows',
      {
        pending: 3,
        oldestPendingTime: timeAgo(5_000),
        heldTopics: [{ topic: 'orders.created', reason: 'TopicMissing', since: timeAgo(5_000) }],
      },
      'TopicMissing',
      'orders.created (database orders)',
    ],
    [
      'a topic the relay may not write',
      { heldTopics: [{ topic: 'payments', reason: 'TopicUnauthorized', since: timeAgo(5_000) }] },
      'TopicUnauthorized',
      'payments (database orders)',
    ],
    [
      'a backlog already older than stalledAfter',
      { pending: 2, oldestPendingTime: timeAgo(6 * 60_000) },
      'Stalled',
      'more than spec.relay.stalledAfter (5m) ago',
    ],
  ];

  it.each(failures)('is False and not Ready on %s, naming the cause', async (_name, change, reason, text) => {
    await report(change);
    const { publishing, ready } = await waitFor('False', reason);
    expect(publishing.message).toContain(text);
    expect(ready.message).toBe(publishing.message);
  });

  it('recovers to True and Ready when the report is healthy again', async () => {
    await report({ lastPublishedTime: timeAgo(1_000) });
    await waitFor('True', 'Idle');
  });

  it('turns an unchanged backlog Stalled when it crosses stalledAfter, with no new report', async () => {
    await kubectl(['apply', '-n', ns.name, '-f', '-'], resources('1m'));
    // The oldest row crosses 1m 20 s after this report; the test writes nothing after it.
    const oldest = Date.now() - 40_000;
    await report({ pending: 5, oldestPendingTime: timeAgo(0, oldest) });
    const { publishing } = await waitFor('False', 'Stalled');
    const crossing = Math.floor(oldest / 1000) * 1000 + 60_000;
    expect(Date.parse(publishing.lastTransitionTime)).toBeGreaterThanOrEqual(crossing - 1000);
    // Turned at the crossing, not at the report: the report alone was not Stalled.
    const notes = (await events()).map((e) => e.note);
    expect(notes).toContain(
      `Publishing is False: Stalled: the oldest pending row of database orders was written at ${timeAgo(0, oldest)}, more than spec.relay.stalledAfter (1m) ago`,
    );
  });

  it('records an Event at each transition of Publishing: Warning to False and to each new failure, Normal back to True', async () => {
    const publishing = (await events()).filter((e) => e.reason === 'PublishingChanged');
    const seen = new Set(publishing.map((e) => `${e.type}:${/^Publishing is \w+: (\w+)/.exec(e.note)?.[1]}`));
    for (const expected of [
      'Normal:AwaitingReport',
      'Normal:Idle',
      'Warning:KafkaUnauthorized',
      'Warning:KafkaUnavailable',
      'Warning:DatabaseUnavailable',
      'Warning:TopicMissing',
      'Warning:TopicUnauthorized',
      'Warning:Stalled',
    ]) {
      expect({ expected, seen: seen.has(expected) }).toEqual({ expected, seen: true });
    }
    const ready = (await events()).filter((e) => e.reason === 'ReadyChanged').map((e) => e.type);
    expect(new Set(ready)).toEqual(new Set(['Normal', 'Warning']));
  });
});
