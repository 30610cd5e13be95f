import { DatabaseError, PublishError } from '../errors.js';
import type { StoreStatus } from '../db/store.js';
import { collectReport, type ReportSources } from './collect.js';
import { createPublishTimes } from './publish-times.js';

const status = (database: string, pending: number): StoreStatus => ({
  database,
  pending,
  errored: 0,
  total: pending,
  oldestPendingAgeSeconds: pending > 0 ? 1.5 : null,
});

function sources(overrides: Partial<ReportSources> = {}): ReportSources {
  return {
    relays: () => [
      {
        database: 'orders',
        isLeader: () => true,
        heldTopics: () => [{ topic: 't', reason: 'missing', since: 1 }],
      },
      { database: 'billing', isLeader: () => false, heldTopics: () => [] },
    ],
    stores: () => [
      { database: 'orders', status: async () => status('orders', 4) },
      { database: 'billing', status: async () => status('billing', 9) },
    ],
    kafkaReachable: async () => undefined,
    lastPublishedAt: (db) => (db === 'orders' ? 1234 : undefined),
    ...overrides,
  };
}

describe('collectReport', () => {
  it('reads only the databases this pod leads', async () => {
    expect(await collectReport(sources())).toEqual({
      databases: [
        {
          name: 'orders',
          held: [{ topic: 't', reason: 'missing', since: 1 }],
          lastPublishedAt: 1234,
          counts: { pending: 4, errored: 0, oldestPendingAgeSeconds: 1.5 },
        },
      ],
      kafka: { state: 'Available', message: 'reachable' },
    });
  });

  it('reads nothing when it leads no database', async () => {
    let reads = 0;
    const result = await collectReport(
      sources({
        relays: () => [{ database: 'orders', isLeader: () => false, heldTopics: () => [] }],
        stores: () => [{ database: 'orders', status: async () => (reads++, status('orders', 1)) }],
      }),
    );
    expect(result.databases).toEqual([]);
    expect(reads).toBe(0);
  });

  it('says why the database or Kafka is unavailable', async () => {
    const result = await collectReport(
      sources({
        stores: () => [
          {
            database: 'orders',
            status: async () => {
              throw new DatabaseError('connection refused by db:5432', 'ECONNREFUSED', { retriable: true });
            },
          },
        ],
        kafkaReachable: async () => {
          throw new PublishError('no Kafka broker reachable: connect ECONNREFUSED', undefined, {
            retriable: true,
          });
        },
      }),
    );
    expect(result.databases[0]).toMatchObject({
      name: 'orders',
      unavailable: 'connection refused by db:5432',
    });
    expect(result.databases[0]).not.toHaveProperty('counts');
    expect(result.kafka).toEqual({
      state: 'Unavailable',
      message: 'no Kafka broker reachable: connect ECONNREFUSED',
    });
  });
});

describe('createPublishTimes', () => {
  it('remembers when a batch of a database was acknowledged, not when nothing was published', async () => {
    let now = 100;
    const times = createPublishTimes(() => now);
    const outcome = (published: string[]) => ({ published, failures: [], released: [] });
    const orders = times.track('orders', async (rows) => outcome(rows.map((r) => r.id)));
    await orders([]);
    expect(times.lastPublishedAt('orders')).toBeUndefined();
    now = 200;
    await orders([
      {
        id: '1',
        topic: 't',
        payload: Buffer.from('{}'),
        headers: '',
        key: '',
        partitionKey: '',
        attempts: 0,
      },
    ]);
    expect(times.lastPublishedAt('orders')).toBe(200);
    expect(times.lastPublishedAt('billing')).toBeUndefined();
  });
});
