// One OutboxStore per DB_NAME value, all on the same server.
import { createStore } from '../db/create-store.js';
import type { OutboxStore } from '../db/store.js';
import { storeConfig, type RelayConfig } from '../config/config.js';
import type { Logger } from '../logger.js';

export type StoreFactory = (...args: Parameters<typeof createStore>) => OutboxStore | Promise<OutboxStore>;

export async function openStores(
  config: RelayConfig,
  logger: Logger,
  factory: StoreFactory = createStore,
): Promise<OutboxStore[]> {
  return Promise.all(
    // Each store's logger carries its database and table (outbox-store.ts); a child here would repeat them.
    config.db.names.map((name) => factory(storeConfig(config, name), logger)),
  );
}

export async function closeStores(stores: readonly OutboxStore[], logger: Logger): Promise<void> {
  await Promise.all(
    stores.map((s) =>
      s.close().catch((error: unknown) => logger.warn({ err: error, database: s.database }, 'close failed')),
    ),
  );
}
