import { createLogger } from './logger.js';
import { createMetrics, RETRY_OPERATIONS } from './metrics.js';
import type { OutboxStore, StoreStatus } from './db/store.js';

function storeWith(status: StoreStatus): { store: OutboxStore; calls: () => number } {
  let calls = 0;
  const store = {
    database: status.database,
    status: async () => {
      calls += 1;
      return status;
    },
  } as unknown as OutboxStore;
  return { store, calls: () => calls };
}

const silent = createLogger({ level: 'silent' });

describe('relay metrics read from the outbox at scrape time', () => {
  it('exports the oldest pending age and the errored rows per database', async () => {
    const { store } = storeWith({
      database: 'orders',
      pending: 3,
      errored: 2,
      total: 9,
      oldestPendingAgeSeconds: 42,
    });
    const text = await createMetrics({ stores: () => [store], logger: silent }).registry.metrics();
    expect(text).toContain('outbox_relay_oldest_pending_age_seconds{database="orders"} 42');
    expect(text).toContain('outbox_relay_errored_rows{database="orders"} 2');
    expect(text).toContain('kafka_outbox_queue_size{database="orders"} 3');
    expect(text).toContain('kafka_outbox_total_size{database="orders"} 9');
  });

  it('reports an age of 0 when nothing is pending', async () => {
    const { store } = storeWith({
      database: 'd',
      pending: 0,
      errored: 0,
      total: 0,
      oldestPendingAgeSeconds: null,
    });
    const text = await createMetrics({ stores: () => [store], logger: silent }).registry.metrics();
    expect(text).toContain('outbox_relay_oldest_pending_age_seconds{database="d"} 0');
  });

  it('queries each database once per scrape, not once per gauge', async () => {
    const { store, calls } = storeWith({
      database: 'd',
      pending: 1,
      errored: 0,
      total: 1,
      oldestPendingAgeSeconds: 1,
    });
    await createMetrics({ stores: () => [store], logger: silent }).registry.metrics();
    expect(calls()).toBe(1);
  });
});

describe('relay metrics from the first scrape', () => {
  const unreachable = {
    database: 'orders',
    status: async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    },
  } as unknown as OutboxStore;

  it('exports the counters, the leader and the database-reachable gauge at 0 for a database it never reached', async () => {
    const text = await createMetrics({ stores: () => [unreachable], logger: silent }).registry.metrics();
    expect(text).toContain('outbox_relay_published_total{database="orders"} 0');
    expect(text).toContain('outbox_relay_errored_total{database="orders"} 0');
    for (const operation of RETRY_OPERATIONS) {
      expect(text).toContain(`outbox_relay_retries_total{database="orders",operation="${operation}"} 0`);
    }
    expect(text).toContain('outbox_relay_leader{database="orders"} 0');
    expect(text).toContain('outbox_relay_held_topics{database="orders"} 0');
    expect(text).toContain('outbox_relay_database_reachable{database="orders"} 0');
    // The sizes are unknown, so not made up.
    expect(text).not.toContain('kafka_outbox_queue_size{');
  });

  it('reports a database it can read as reachable', async () => {
    const { store } = storeWith({
      database: 'crm',
      pending: 0,
      errored: 0,
      total: 0,
      oldestPendingAgeSeconds: null,
    });
    const text = await createMetrics({
      stores: () => [store, unreachable],
      logger: silent,
    }).registry.metrics();
    expect(text).toContain('outbox_relay_database_reachable{database="crm"} 1');
    expect(text).toContain('outbox_relay_database_reachable{database="orders"} 0');
  });
});
