// The one migration runner: on one pooled connection, check the server's version, take the migration lock
// (a second relay starting at the same moment waits, then finds everything applied), make sure our table
// of applied migrations exists, adopt a Go relay table in place, apply what is pending in order, recording
// each once it completed. PostgreSQL holds it all in one transaction (its DDL is transactional); MySQL's
// DDL commits implicitly, so its migrations check first instead and one interrupted half-way completes
// when it runs again.
import { DatabaseError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Dialect, Migration, MigrationQueries, Pool } from './dialect.js';
import type { TableNames } from './identifiers.js';
import type { MigrationResult, StoreConfig } from './store.js';

export async function migrate<Db>(
  dialect: Dialect<Db>,
  pool: Pool<Db>,
  config: StoreConfig,
  names: TableNames,
  logger: Logger,
): Promise<MigrationResult> {
  const queries = dialect.migration;
  const { db, release } = await pool.checkout();
  let healthy = false;
  try {
    const problem = await queries.versionProblem(db);
    if (problem !== null)
      throw new DatabaseError(`${dialect.driver} database ${config.database}: ${problem}`, undefined);
    const lock = await queries.lock(db, config.database, names);
    try {
      const result = await applyPending(queries, db, names, logger);
      // What it did is in the result, which every caller logs.
      const finished = await queries.finish(db, names, config);
      await lock.commit();
      healthy = true;
      return { ...result, ...finished };
    } finally {
      if (!healthy) await lock.abort().catch(() => undefined);
    }
  } finally {
    // A connection whose migration failed half-way (a transaction, a session setting) is not reused.
    release(healthy);
  }
}

async function applyPending<Db>(
  queries: MigrationQueries<Db>,
  db: Db,
  names: TableNames,
  logger: Logger,
): Promise<MigrationResult> {
  await queries.createMigrationsTable(db, names);
  const applied = new Set(await queries.appliedMigrations(db, names));
  const pending = queries.migrations.filter((migration) => !applied.has(migration.id));
  const adoptedGoRelayTable = await adoptGoRelayTable(queries, db, names, pending, logger);
  for (const migration of pending) {
    logger.info({ migration: migration.name }, 'applying migration');
    await migration.up(db, names);
    await queries.recordMigration(db, names, migration.id, migration.name);
  }
  return { applied: pending.map((migration) => migration.name), adoptedGoRelayTable };
}

/** True when the first migration is pending on a table that exists: one the Go relay made. */
async function adoptGoRelayTable<Db>(
  queries: MigrationQueries<Db>,
  db: Db,
  names: TableNames,
  pending: readonly Migration<Db>[],
  logger: Logger,
): Promise<boolean> {
  if (!pending.some((migration) => migration.id === 1)) return false;
  if (!(await queries.tableExists(db, names.table))) return false;
  const go = await queries.goRelayMigrationVersion(db);
  logger.info(
    { goRelayVersion: go?.version ?? null, goRelayDirty: go?.dirty ?? null },
    'adopting an existing outbox table',
  );
  if (go?.dirty) logger.warn('the Go relay left its last migration dirty');
  return true;
}
