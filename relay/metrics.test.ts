import { createLogger } from './logger.js';
import { createMetrics } from './metrics.js';
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
