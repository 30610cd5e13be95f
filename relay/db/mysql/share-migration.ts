// Migration 003's steps (migrations.ts): what shared mode needs in the database, each checked first (MySQL
// DDL commits implicitly: one interrupted half-way completes when it runs again).
import { randomUUID } from 'node:crypto';
import { quoteMysql as q, type TableNames } from '../identifiers.js';
import { SHARE_COUNT } from '../shares.js';
import { columnExists, indexOnColumnsExists } from './migration-queries.js';
import type { Queryable } from './queryable.js';
import { SHARE_COLUMN, SHARE_COLUMN_DEFINITION } from './share-expression.js';

/** The server cannot do the ALTER with the algorithm asked for (MySQL and MariaDB codes). */
function algorithmRefused(error: unknown): boolean {
  const errno = (error as { errno?: number }).errno;
  return errno === 1845 || errno === 1846 || errno === 4092;
}

/**
 * The virtual share column. ALGORITHM=INSTANT changes only the table's definition (a virtual column is
 * stored nowhere); where the server cannot do that, INPLACE with LOCK=NONE, which lets writes go on.
 */
export async function ensureShareColumn(db: Queryable, names: TableNames): Promise<void> {
  if (await columnExists(db, names.table, SHARE_COLUMN)) return;
  const add = `ALTER TABLE ${q(names.table)} ADD COLUMN ${q(SHARE_COLUMN)} ${SHARE_COLUMN_DEFINITION}`;
  try {
    await db.query(`${add}, ALGORITHM=INSTANT`);
  } catch (error) {
    if (!algorithmRefused(error)) throw error;
    await db.query(`${add}, ALGORITHM=INPLACE, LOCK=NONE`);
  }
}

/**
 * The share index: the claim index's equality prefix (push_completed_at IS NULL, errored = 0), then the
 * share, then id, so the claim of one share reads its pending rows in id order and stops at LIMIT. Built
 * online (INPLACE, LOCK=NONE): the application's inserts and the relay's marks go on during the build.
 */
export async function ensureShareIndex(db: Queryable, names: TableNames): Promise<void> {
  const columns = ['push_completed_at', 'errored', SHARE_COLUMN, 'id'];
  if (await indexOnColumnsExists(db, names.table, columns)) return;
  await db.query(
    `ALTER TABLE ${q(names.table)} ADD INDEX ${q(names.shareIndex)} (${columns.map(q).join(', ')}),
     ALGORITHM=INPLACE, LOCK=NONE`,
  );
}

/**
 * The lease table (one row per share, made here and by every heartbeat if missing), the members' table,
 * and the meta table with the table's identity: a UUID made once (INSERT IGNORE keeps the first, so a
 * re-run never changes it). Lease times are DATETIME(3) in UTC (UTC_TIMESTAMP(3)): milliseconds, whatever
 * the session's time_zone, and none of TIMESTAMP's automatic defaults.
 */
export async function createShareTables(db: Queryable, names: TableNames): Promise<void> {
  await db.query(
    `CREATE TABLE IF NOT EXISTS ${q(names.shares)} (
       share SMALLINT NOT NULL PRIMARY KEY,
       owner VARCHAR(255) NULL,
       epoch BIGINT NOT NULL DEFAULT 0,
       lease_until DATETIME(3) NULL
     ) ENGINE=InnoDB`,
  );
  await db.query(`INSERT IGNORE INTO ${q(names.shares)} (share) VALUES ?`, [
    Array.from({ length: SHARE_COUNT }, (_, share) => [share]),
  ]);
  await db.query(
    `CREATE TABLE IF NOT EXISTS ${q(names.members)} (
       member VARCHAR(255) NOT NULL PRIMARY KEY,
       seen_until DATETIME(3) NOT NULL
     ) ENGINE=InnoDB`,
  );
  await db.query(
    `CREATE TABLE IF NOT EXISTS ${q(names.meta)} (
       name VARCHAR(64) NOT NULL PRIMARY KEY,
       value VARCHAR(255) NOT NULL
     ) ENGINE=InnoDB`,
  );
  await db.query(`INSERT IGNORE INTO ${q(names.meta)} (name, value) VALUES ('identity', ?)`, [randomUUID()]);
}
