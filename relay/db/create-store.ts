// The one entry point the engine uses: a store for one database, of the configured dialect. Creating a
// store opens no connection; the pool connects on first use. Only the configured dialect's module (and its
// driver) is loaded: mysql2 alone adds about 17 MB to the process, pg about 4 MB.
import type { Logger } from '../logger.js';
import { createOutboxStore } from './outbox-store.js';
import type { OutboxStore, StoreConfig } from './store.js';

export async function createStore(config: StoreConfig, logger: Logger): Promise<OutboxStore> {
  switch (config.driver) {
    case 'postgres': {
      const { postgresDialect } = await import('./postgres/dialect.js');
      return createOutboxStore(postgresDialect, config, logger);
    }
    case 'mysql': {
      const { mysqlDialect } = await import('./mysql/dialect.js');
      return createOutboxStore(mysqlDialect, config, logger);
    }
    default: {
      const driver: never = config.driver;
      throw new Error(`unknown database driver ${String(driver)}`);
    }
  }
}
