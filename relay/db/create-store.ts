// The one entry point the engine uses: a store for one database, of the configured dialect. Creating a
// store opens no connection; the pool connects on first use.
import type { Logger } from '../logger.js';
import { createMysqlStore } from './mysql/store.js';
import { createPostgresStore } from './postgres/store.js';
import type { OutboxStore, StoreConfig } from './store.js';

export function createStore(config: StoreConfig, logger: Logger): OutboxStore {
  switch (config.driver) {
    case 'postgres':
      return createPostgresStore(config, logger);
    case 'mysql':
      return createMysqlStore(config, logger);
    default: {
      const driver: never = config.driver;
      throw new Error(`unknown database driver ${String(driver)}`);
    }
  }
}
