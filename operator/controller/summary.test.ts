import type { DatabaseReport, OutboxRelay } from '../api/types.js';
import { deriveSummary } from './summary.js';

const entry = (name: string, change: Partial<DatabaseReport>): DatabaseReport => ({
  name,
  pending: 0,
  errored: 0,
  kafka: { state: 'Available' },
  database: { state: 'Available' },
  reportedBy: 'p',
  ...change,
});

const relay = (databases?: DatabaseReport[]): OutboxRelay => ({
  apiVersion: 'outbox.kafka-relay.dev/v1alpha1',
  kind: 'OutboxRelay',
  metadata: { name: 'orders', namespace: 'shop' },
  spec: { database: { secretRef: { name: 'db' } }, kafka: { brokers: ['kafka-0:9092', 'kafka-1:9092'] } },
  ...(databases ? { status: { databases } } : {}),
});

describe('deriveSummary', () => {
  it('sums the backlog, takes the earliest pending and the latest publish, and joins the brokers', () => {
    const summary = deriveSummary(
      relay([
        entry('a', {
          pending: 2,
          oldestPendingTime: '2026-03-01T12:05:00Z',
          lastPublishedTime: '2026-03-01T12:09:00Z',
        }),
        entry('b', {
          pending: 5,
          oldestPendingTime: '2026-03-01T12:01:00Z',
          lastPublishedTime: '2026-03-01T12:10:00Z',
        }),
        entry('c', { pending: 0, lastPublishedTime: '2026-03-01T11:00:00Z' }),
      ]),
    );
    expect(summary).toEqual({
      brokers: 'kafka-0:9092,kafka-1:9092',
      backlog: 7,
      oldestPendingTime: '2026-03-01T12:01:00Z',
      lastPublishedTime: '2026-03-01T12:10:00Z',
    });
  });

  it('has no backlog before a report, only the brokers', () => {
    expect(deriveSummary(relay())).toEqual({ brokers: 'kafka-0:9092,kafka-1:9092' });
  });

  it('has a zero backlog and no oldest time when nothing is pending', () => {
    expect(deriveSummary(relay([entry('a', { pending: 0 })]))).toEqual({
      brokers: 'kafka-0:9092,kafka-1:9092',
      backlog: 0,
    });
  });

  it('ignores the oldest time of a database with nothing pending', () => {
    const summary = deriveSummary(
      relay([
        entry('a', { pending: 0, oldestPendingTime: '2026-03-01T10:00:00Z' }),
        entry('b', { pending: 1, oldestPendingTime: '2026-03-01T12:00:00Z' }),
      ]),
    );
    expect(summary.oldestPendingTime).toBe('2026-03-01T12:00:00Z');
  });
});
