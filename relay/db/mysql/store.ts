// Placeholder while the dialect is written: every call fails with a non-retriable DatabaseError.
import { DatabaseError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { validateTableName } from '../identifiers.js';
import type { OutboxStore, StoreConfig } from '../store.js';

export function createMysqlStore(config: StoreConfig, _logger: Logger): OutboxStore {
  validateTableName(config.table);
  const fail = (): Promise<never> =>
    Promise.reject(new DatabaseError('mysql store: not implemented yet', undefined));
  return {
    driver: config.driver,
    database: config.database,
    table: config.table,
    ping: fail,
    migrate: fail,
    claim: fail,
    markPublished: fail,
    recordPermanentFailures: fail,
    release: fail,
    cleanup: fail,
    optimize: fail,
    status: fail,
    requeue: fail,
    acquireLeadership: fail,
    listen: fail,
    close: () => Promise.resolve(),
  };
}
