import {
  buildReport,
  heldReason,
  OLDEST_JITTER_MS,
  refusedReport,
  wholeSeconds,
  type ReportInput,
} from './build-report.js';

const NOW = Date.parse('2026-03-01T12:00:10.400Z');

function input(overrides: Partial<ReportInput> = {}): ReportInput {
  return {
    now: NOW,
    podName: 'orders-relay-abc',
    kafka: { state: 'Available', message: 'reachable' },
    databases: [
      {
        name: 'orders',
        counts: { pending: 12, errored: 1, oldestPendingAgeSeconds: 30.2 },
        lastPublishedAt: Date.parse('2026-03-01T12:00:09.900Z'),
        held: [
          { topic: 'zeta', reason: 'TOPIC_AUTHORIZATION_FAILED: not authorized', since: NOW - 5000 },
          {
            topic: 'alpha',
            reason: 'UNKNOWN_TOPIC_OR_PARTITION: topic alpha is not in the cluster',
            since: NOW - 700,
          },
        ],
      },
    ],
    ...overrides,
  };
}

describe('buildReport', () => {
  it('reports counts, times in whole seconds, held topics by reason and who reported', () => {
    expect(buildReport(input())).toEqual([
      {
        name: 'orders',
        pending: 12,
        errored: 1,
        oldestPendingTime: '2026-03-01T11:59:40Z',
        lastPublishedTime: '2026-03-01T12:00:09Z',
        heldTopics: [
          { topic: 'alpha', reason: 'TopicMissing', since: '2026-03-01T12:00:09Z' },
          { topic: 'zeta', reason: 'TopicUnauthorized', since: '2026-03-01T12:00:05Z' },
        ],
        kafka: { state: 'Available', message: 'reachable' },
        database: { state: 'Available', message: 'reachable' },
        reportedBy: 'orders-relay-abc',
      },
    ]);
  });

  it('leaves oldestPendingTime out when nothing is pending and lastPublishedTime out before a publish', () => {
    const [entry] = buildReport(
      input({
        databases: [
          { name: 'orders', counts: { pending: 0, errored: 0, oldestPendingAgeSeconds: null }, held: [] },
        ],
      }),
    );
    expect(entry).not.toHaveProperty('oldestPendingTime');
    expect(entry).not.toHaveProperty('lastPublishedTime');
    expect(entry?.heldTopics).toEqual([]);
  });

  it('gives the same report for an unchanged backlog measured later (a time, not an age)', () => {
    const first = buildReport(input());
    const later = input({
      now: NOW + 10_000,
      databases: [
        { ...input().databases[0]!, counts: { pending: 12, errored: 1, oldestPendingAgeSeconds: 40.25 } },
      ],
      previous: first,
    });
    expect(JSON.stringify(buildReport(later))).toBe(JSON.stringify(first));
  });

  it('keeps the previous oldest time while the computed one wobbles across a second boundary', () => {
    const first = buildReport(input());
    // 30.2 s old at NOW is 11:59:40.2; measured 0.3 s later it is 11:59:39.9, another whole second.
    const wobbled = input({
      databases: [
        { ...input().databases[0]!, counts: { pending: 12, errored: 1, oldestPendingAgeSeconds: 30.5 } },
      ],
      previous: first,
    });
    expect(buildReport(wobbled)[0]?.oldestPendingTime).toBe('2026-03-01T11:59:40Z');
    expect(buildReport({ ...wobbled, previous: undefined })[0]?.oldestPendingTime).toBe(
      '2026-03-01T11:59:39Z',
    );
  });

  it('moves the oldest time when the oldest row changes by more than the jitter allowance', () => {
    const first = buildReport(input());
    const age = 30.2 - (OLDEST_JITTER_MS + 1000) / 1000;
    const next = input({
      databases: [
        { ...input().databases[0]!, counts: { pending: 5, errored: 1, oldestPendingAgeSeconds: age } },
      ],
      previous: first,
    });
    expect(buildReport(next)[0]?.oldestPendingTime).toBe('2026-03-01T11:59:43Z');
  });

  it('reports a database whose counts cannot be read as Unavailable, keeping the last counts', () => {
    const first = buildReport(input());
    const [entry] = buildReport(
      input({
        databases: [{ name: 'orders', unavailable: 'connection refused', held: [] }],
        previous: first,
      }),
    );
    expect(entry).toMatchObject({
      pending: 12,
      errored: 1,
      oldestPendingTime: '2026-03-01T11:59:40Z',
      database: { state: 'Unavailable', message: 'connection refused' },
    });
  });

  it('gives a shared relay its own element of the publishers, with its shares as ranges', () => {
    const [database] = input().databases;
    const shared = { ...database!, shares: [0, 1, 2, 3, 9, 40, 41] };
    expect(buildReport(input({ databases: [shared] }))[0]!.publishers).toEqual([
      { pod: 'orders-relay-abc', shareCount: 7, shares: '0-3,9,40-41' },
    ]);
    expect(buildReport(input({ databases: [{ ...database!, shares: [] }] }))[0]!.publishers).toEqual([
      { pod: 'orders-relay-abc', shareCount: 0, shares: '' },
    ]);
    expect(buildReport(input())[0]!.publishers).toBeUndefined();
  });

  it('sorts the entries by database name', () => {
    const db = (name: string) => ({
      name,
      counts: { pending: 0, errored: 0, oldestPendingAgeSeconds: null },
      held: [],
    });
    expect(buildReport(input({ databases: [db('b'), db('a')] })).map((e) => e.name)).toEqual(['a', 'b']);
  });

  it('has no entries when the pod leads no database', () => {
    expect(buildReport(input({ databases: [] }))).toEqual([]);
  });
});

describe('refusedReport', () => {
  it('marks Kafka Unauthorized or the database Unavailable with the refusal', () => {
    const entries = buildReport(input());
    expect(refusedReport(entries, { kafka: 'KAFKA_SASL_PASSWORD: refused' })[0]?.kafka).toEqual({
      state: 'Unauthorized',
      message: 'KAFKA_SASL_PASSWORD: refused',
    });
    const db = refusedReport(entries, { database: 'DB_PASS: refused' })[0];
    expect(db?.database).toEqual({ state: 'Unavailable', message: 'DB_PASS: refused' });
    expect(db?.kafka.state).toBe('Available');
  });
});

describe('helpers', () => {
  it('floors to whole seconds', () => {
    expect(wholeSeconds(Date.parse('2026-03-01T12:00:00.999Z'))).toBe('2026-03-01T12:00:00Z');
  });

  it.each([
    ['TOPIC_AUTHORIZATION_FAILED: Not authorized to access topics', 'TopicUnauthorized'],
    ['UNKNOWN_TOPIC_OR_PARTITION: topic t is not in the cluster', 'TopicMissing'],
  ])('classes %s as %s', (reason, expected) => {
    expect(heldReason(reason)).toBe(expected);
  });
});

describe('the CRD bounds', () => {
  it('keeps at most 256 held topics and messages of at most 1024 characters', () => {
    const held = Array.from({ length: 300 }, (_, i) => ({
      topic: `t${String(i).padStart(3, '0')}`,
      reason: 'UNKNOWN_TOPIC_OR_PARTITION',
      since: NOW,
    }));
    const [entry] = buildReport(
      input({
        kafka: { state: 'Unavailable', message: 'x'.repeat(5000) },
        databases: [{ name: 'orders', unavailable: 'y'.repeat(5000), held }],
      }),
    );
    expect(entry?.heldTopics).toHaveLength(256);
    expect(entry?.kafka.message).toHaveLength(1024);
    expect(entry?.database.message).toHaveLength(1024);
  });
});
