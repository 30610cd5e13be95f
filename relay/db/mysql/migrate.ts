// Applies the pending migrations on one connection holding a named lock (GET_LOCK): a second relay starting
// at the same moment waits, then finds everything applied. MySQL DDL is not transactional; the migrations
// are idempotent instead, and each is recorded only once it has completed.
import type mysql from 'mysql2/promise';
import { DatabaseError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { namedLock, type TableNames } from '../identifiers.js';
import { mysqlVersionProblem } from '../server-version.js';
import type { MigrationResult } from '../store.js';
import {
  appliedMigrations,
  createMigrationsTable,
  getNamedLock,
  goRelayMigrationVersion,
  limitLockWait,
  recordMigration,
  releaseNamedLock,
  serverVersion,
  tableExists,
} from './migration-queries.js';
import { MIGRATIONS } from './migrations.js';

const LOCK_WAIT_SECONDS = 120;
const DDL_LOCK_WAIT_SECONDS = 10;

export async function migrateMysql(
  pool: mysql.Pool,
  database: string,
  names: TableNames,
  logger: Logger,
): Promise<MigrationResult> {
  const lock = namedLock('migrate', database, names.table);
  const connection = await pool.getConnection();
  let healthy = false;
  try {
    const problem = mysqlVersionProblem(await serverVersion(connection));
    if (problem !== null) throw new DatabaseError(`mysql database ${database}: ${problem}`, undefined);
    if (!(await getNamedLock(connection, lock, LOCK_WAIT_SECONDS))) {
      throw new DatabaseError(
        `mysql database ${database}: migrate failed: another relay held the migration lock for ${LOCK_WAIT_SECONDS} s`,
        undefined,
        { retriable: true },
      );
    }
    try {
      await limitLockWait(connection, DDL_LOCK_WAIT_SECONDS);
      await createMigrationsTable(connection, names);
      const applied = new Set(await appliedMigrations(connection, names));
      const pending = MIGRATIONS.filter((migration) => !applied.has(migration.id));
      let adoptedGoRelayTable = false;
      if (pending.some((migration) => migration.id === 1) && (await tableExists(connection, names.table))) {
        adoptedGoRelayTable = true;
        const go = await goRelayMigrationVersion(connection);
        logger.info(
          { table: names.table, goRelayVersion: go?.version ?? null, goRelayDirty: go?.dirty ?? null },
          'adopting an existing outbox table',
        );
        if (go?.dirty) logger.warn({ table: names.table }, 'the Go relay left its last migration dirty');
      }
      for (const migration of pending) {
        logger.info({ table: names.table, migration: migration.name }, 'applying migration');
        await migration.up(connection, names);
        await recordMigration(connection, names, migration.id, migration.name);
      }
      await limitLockWait(connection, 'DEFAULT');
      healthy = true;
      return { applied: pending.map((migration) => migration.name), adoptedGoRelayTable };
    } finally {
      await releaseNamedLock(connection, lock).catch(() => undefined);
    }
  } finally {
    // A connection left with a shortened lock wait or a failed statement is not handed back for reuse.
    if (healthy) connection.release();
    else connection.destroy();
  }
}
