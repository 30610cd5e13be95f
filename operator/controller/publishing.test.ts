import type { DatabaseReport, OutboxRelay } from '../api/types.js';
import { evaluatePublishing } from './publishing.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const MINUTE = 60_000;

function report(name: string, change: Partial<DatabaseReport> = {}): DatabaseReport {
  return {
    name,
    pending: 0,
    errored: 0,
    kafka: { state: 'Available' },
    database: { state: 'Available' },
    reportedBy: 'orders-relay-0',
    ...change,
  };
}

function relay(databases: DatabaseReport[] | undefined, stalledAfter?: string): OutboxRelay {
  return {
    apiVersion: 'outbox.kafka-relay.dev/v1alpha1',
    kind: 'OutboxRelay',
    metadata: { name: 'orders', namespace: 'shop' },
    spec: {
      database: { secretRef: { name: 'db' } },
      kafka: { brokers: ['k:9092'] },
      ...(stalledAfter ? { relay: { stalledAfter } } : {}),
    },
    ...(databases ? { status: { databases } } : {}),
  };
}

// [case, reports, stalledAfter, status, reason, text the message contains]
const cases: Array<[string, DatabaseReport[] | undefined, string | undefined, string, string, string]> = [
  [
    'no report yet is Unknown, awaiting one',
    undefined,
    undefined,
    'Unknown',
    'AwaitingReport',
    'no relay pod',
  ],
  [
    'an empty report (every pod released its databases) is Unknown',
    [],
    undefined,
    'Unknown',
    'AwaitingReport',
    'reported',
  ],
  ['nothing pending is Idle', [report('a')], undefined, 'True', 'Idle', 'nothing is pending'],
  [
    'a young backlog is Publishing',
    [report('a', { pending: 12, oldestPendingTime: ago(MINUTE) })],
    undefined,
    'True',
    'Publishing',
    '12 rows pending',
  ],
  [
    'a backlog older than the default 5m is Stalled',
    [report('a', { pending: 3, oldestPendingTime: ago(6 * MINUTE) })],
    undefined,
    'False',
    'Stalled',
    'spec.relay.stalledAfter (5m)',
  ],
  [
    'a backlog exactly stalledAfter old is Stalled',
    [report('a', { pending: 3, oldestPendingTime: ago(5 * MINUTE) })],
    undefined,
    'False',
    'Stalled',
    'database a',
  ],
  [
    'a longer stalledAfter from the spec keeps a 6-minute backlog Publishing',
    [report('a', { pending: 3, oldestPendingTime: ago(6 * MINUTE) })],
    '10m',
    'True',
    'Publishing',
    '3 rows pending',
  ],
  [
    'the oldest row over every database decides Stalled, naming its database',
    [
      report('a', { pending: 1, oldestPendingTime: ago(MINUTE) }),
      report('b', { pending: 1, oldestPendingTime: ago(20 * MINUTE) }),
    ],
    undefined,
    'False',
    'Stalled',
    'database b',
  ],
  [
    'refused Kafka credentials are KafkaUnauthorized, with the relay message',
    [report('a', { kafka: { state: 'Unauthorized', message: 'SASL authentication failed' } })],
    undefined,
    'False',
    'KafkaUnauthorized',
    'SASL authentication failed',
  ],
  [
    'an unreachable Kafka is KafkaUnavailable',
    [report('a', { kafka: { state: 'Unavailable', message: 'connect ECONNREFUSED' } })],
    undefined,
    'False',
    'KafkaUnavailable',
    'ECONNREFUSED',
  ],
  [
    'an unreachable database is DatabaseUnavailable',
    [report('a', { database: { state: 'Unavailable', message: 'connection refused' } })],
    undefined,
    'False',
    'DatabaseUnavailable',
    'database a',
  ],
  [
    'held missing topics are TopicMissing, naming them',
    [
      report('a', {
        pending: 4,
        oldestPendingTime: ago(MINUTE),
        heldTopics: [
          { topic: 'orders.v2', reason: 'TopicMissing', since: ago(MINUTE) },
          { topic: 'audit', reason: 'TopicMissing', since: ago(MINUTE) },
        ],
      }),
    ],
    undefined,
    'False',
    'TopicMissing',
    'audit (database a), orders.v2 (database a)',
  ],
  [
    'held forbidden topics are TopicUnauthorized, naming them',
    [report('a', { heldTopics: [{ topic: 'payments', reason: 'TopicUnauthorized', since: ago(MINUTE) }] })],
    undefined,
    'False',
    'TopicUnauthorized',
    'payments (database a)',
  ],
  [
    'refused credentials come before a stalled backlog and other databases',
    [
      report('a', { pending: 1, oldestPendingTime: ago(60 * MINUTE) }),
      report('b', { kafka: { state: 'Unauthorized' } }),
    ],
    undefined,
    'False',
    'KafkaUnauthorized',
    'database b',
  ],
];

describe('evaluatePublishing', () => {
  it.each(cases)('%s', (_name, databases, stalledAfter, status, reason, text) => {
    const { condition } = evaluatePublishing(relay(databases, stalledAfter), NOW);
    expect(condition).toMatchObject({ type: 'Publishing', status, reason });
    expect(condition.message).toContain(text);
  });

  it('asks to come back at the moment a backlog would become Stalled', () => {
    const r = relay([report('a', { pending: 1, oldestPendingTime: ago(2 * MINUTE) })]);
    expect(evaluatePublishing(r, NOW).requeueAfterMs).toBe(3 * MINUTE);
    // Then, at that moment, it is Stalled and asks for nothing more.
    const then = evaluatePublishing(r, NOW + 3 * MINUTE);
    expect(then.condition.reason).toBe('Stalled');
    expect(then.requeueAfterMs).toBeUndefined();
  });

  it('asks for no requeue when nothing is pending or a failure decides', () => {
    expect(evaluatePublishing(relay([report('a')]), NOW).requeueAfterMs).toBeUndefined();
    const down = relay([
      report('a', { pending: 1, oldestPendingTime: ago(MINUTE), kafka: { state: 'Unavailable' } }),
    ]);
    expect(evaluatePublishing(down, NOW).requeueAfterMs).toBeUndefined();
  });

  it('gives the same message for an unchanged report at a later time, so nothing is written', () => {
    const r = relay([report('a', { pending: 2, oldestPendingTime: ago(10 * MINUTE) })]);
    expect(evaluatePublishing(r, NOW).condition).toEqual(evaluatePublishing(r, NOW + 5 * MINUTE).condition);
  });
});
