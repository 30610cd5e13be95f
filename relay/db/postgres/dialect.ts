// PostgreSQL (node-postgres) as a Dialect: its SQL, its error table, its connections, its advisory locks
// and its LISTEN. Everything else is the shared store (../outbox-store.ts).
import type { Dialect, MigrationQueries, OutboxQueries, ShareQueries } from '../dialect.js';
import { advisoryLockKey } from '../identifiers.js';
import { postgresVersionProblem } from '../server-version.js';
import { postgresErrors } from './errors.js';
import { listenPostgres } from './listen.js';
import { leaderLock, lockForMigration } from './locks.js';
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
  serverVersionNum,
  tableExists,
} from './migration-queries.js';
import { MIGRATIONS, syncNotifyTrigger } from './migrations.js';
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
  markRowsPublished,
  countRowFailures: (pool, ...rest) => countRowFailures(pool.db, ...rest),
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
  versionProblem: async (db) => postgresVersionProblem(await serverVersionNum(db)),
  lock: (db, database, names) =>
    lockForMigration(db, database, advisoryLockKey('migrate', database, names.table)),
  createMigrationsTable,
  appliedMigrations,
  recordMigration,
  tableExists,
  goRelayMigrationVersion,
  // The insert trigger follows NOTIFY_ON_INSERT, in the migrations' transaction.
  async finish(db, names, config) {
    const notifyTrigger = await syncNotifyTrigger(db, names, config.notifyOnInsert ?? true);
    return notifyTrigger ? { notifyTrigger } : {};
  },
};

export const postgresDialect: Dialect<Queryable> = {
  driver: 'postgres',
  errors: postgresErrors,
  // Measured on PostgreSQL 15 with 200,000 expired rows: a chunk of 1,000 takes about 3 ms, one of 10,000
  // about 50 ms.
  cleanupChunk: 1_000,
  createPool,
  openSession,
  lockKey: advisoryLockKey,
  leaderLock,
  queries,
  shares,
  migration,
  listen: (config, names, onWake, logger, describe) =>
    listenPostgres(config, names.channel, onWake, logger, describe),
};
