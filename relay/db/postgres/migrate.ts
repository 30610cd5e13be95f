// Applies the pending migrations in one transaction under a transaction-level advisory lock: a second relay
// starting at the same moment waits, then finds everything applied. PostgreSQL DDL is transactional, so a
// failure leaves the schema as it was.
import type pg from 'pg';
import { DatabaseError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { advisoryLockKey, type TableNames } from '../identifiers.js';
import { postgresVersionProblem } from '../server-version.js';
import type { MigrationResult } from '../store.js';
import {
  appliedMigrations,
  beginTransaction,
  commitTransaction,
  createMigrationsTable,
  goRelayMigrationVersion,
  lockForMigration,
  recordMigration,
  rollbackTransaction,
  serverVersionNum,
  tableExists,
} from './migration-queries.js';
import { MIGRATIONS, syncNotifyTrigger } from './migrations.js';

export async function migratePostgres(
  pool: pg.Pool,
  database: string,
  names: TableNames,
  logger: Logger,
  notifyOnInsert: boolean,
): Promise<MigrationResult> {
  const client = await pool.connect();
  let failed: unknown;
  try {
    const problem = postgresVersionProblem(await serverVersionNum(client));
    if (problem !== null) throw new DatabaseError(`postgres database ${database}: ${problem}`, undefined);
    await beginTransaction(client);
    await lockForMigration(client, advisoryLockKey('migrate', database, names.table));
    await createMigrationsTable(client, names);
    const applied = new Set(await appliedMigrations(client, names));
    const pending = MIGRATIONS.filter((migration) => !applied.has(migration.id));
    let adoptedGoRelayTable = false;
    if (pending.some((migration) => migration.id === 1) && (await tableExists(client, names.table))) {
      adoptedGoRelayTable = true;
      const go = await goRelayMigrationVersion(client);
      logger.info(
        { table: names.table, goRelayVersion: go?.version ?? null, goRelayDirty: go?.dirty ?? null },
        'adopting an existing outbox table',
      );
      if (go?.dirty) logger.warn({ table: names.table }, 'the Go relay left its last migration dirty');
    }
    for (const migration of pending) {
      logger.info({ table: names.table, migration: migration.name }, 'applying migration');
      await migration.up(client, names);
      await recordMigration(client, names, migration.id, migration.name);
    }
    // What it did is in the result, which every caller logs.
    const notifyTrigger = await syncNotifyTrigger(client, names, notifyOnInsert);
    await commitTransaction(client);
    return {
      applied: pending.map((migration) => migration.name),
      adoptedGoRelayTable,
      ...(notifyTrigger ? { notifyTrigger } : {}),
    };
  } catch (error) {
    failed = error;
    await rollbackTransaction(client).catch(() => undefined);
    throw error;
  } finally {
    // A connection whose transaction failed half-way is not handed back to the pool for reuse.
    client.release(failed instanceof Error ? failed : undefined);
  }
}
