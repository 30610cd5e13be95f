// MySQL/MariaDB (mysql2) as a Dialect: its SQL, its error table, its connections and its named locks. It
// has no notifications: the engine polls. Everything else is the shared store (../outbox-store.ts).
import type { Dialect, MigrationQueries, OutboxQueries, ShareQueries } from '../dialect.js';
import { namedLock } from '../identifiers.js';
import { mysqlVersionProblem } from '../server-version.js';
import { mysqlErrors } from './errors.js';
import { leaderLock, limitLockWait, lockForMigration } from './locks.js';
import {
  deletePublishedChunk,
  optimizeTable,
  ping,
  requeueAllErrored,
  requeueErroredIds,
  tableStatus,
} from './maintenance-queries.js';
import {
  appliedMigrations,
  createMigrationsTable,
  goRelayMigrationVersion,
  recordMigration,
  serverVersion,
  tableExists,
} from './migration-queries.js';
import { MIGRATIONS } from './migrations.js';
import {
  clearAllClaims,
  countRowFailures,
  errorReasonLength,
  markRowsPublished,
  selectBatch,
} from './outbox-queries.js';
import { createPool, openSession } from './pool.js';
import type { Queryable } from './queryable.js';
import * as shareQueries from './share-queries.js';

const queries: OutboxQueries<Queryable> = {
  ping,
  selectBatch,
  clearAllClaims,
  markRowsPublished: (db, names, batchId, ids) => markRowsPublished(db, names, batchId, ids),
  countRowFailures,
  errorReasonLength,
  deletePublishedChunk,
  optimizeTable,
  tableStatus,
  requeueErroredIds,
  requeueAllErrored,
};

// Each of ShareQueries's functions is share-queries.ts's export of that name (the type checks each one).
const shares: ShareQueries<Queryable> = shareQueries;

const migration: MigrationQueries<Queryable> = {
  migrations: MIGRATIONS,
  versionProblem: async (db) => mysqlVersionProblem(await serverVersion(db)),
  lock: (db, database, names) => lockForMigration(db, database, namedLock('migrate', database, names.table)),
  createMigrationsTable,
  appliedMigrations,
  recordMigration,
  tableExists,
  goRelayMigrationVersion,
  // The connection goes back to the pool: with the server's lock wait again.
  async finish(db) {
    await limitLockWait(db, 'DEFAULT');
    return {};
  },
};

export const mysqlDialect: Dialect<Queryable> = {
  driver: 'mysql',
  errors: mysqlErrors,
  // Measured on MariaDB 10.11 with 200,000 expired rows: a chunk of 1,000 takes 13-20 ms, one of 10,000
  // about 170 ms.
  cleanupChunk: 1_000,
  createPool,
  openSession,
  lockKey: namedLock,
  leaderLock,
  queries,
  shares,
  migration,
};
