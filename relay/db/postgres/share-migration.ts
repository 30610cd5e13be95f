// Migration 004's steps (migrations.ts): what shared mode needs in the database.
import { randomUUID } from 'node:crypto';
import { quotePostgres as q, type TableNames } from '../identifiers.js';
import { SHARE_COUNT } from '../shares.js';
import { outsideTransaction } from './locks.js';
import type { Queryable } from './queryable.js';
import { shareExpression } from './share-expression.js';

/**
 * The lease table (one row per share, made here and by every heartbeat if missing), the members' table,
 * and the meta table with the table's identity: a UUID made once (ON CONFLICT DO NOTHING keeps the first,
 * so a re-run never changes it). Lease times are timestamptz(3): milliseconds, whatever the session's
 * TimeZone.
 */
export async function createShareTables(db: Queryable, names: TableNames): Promise<void> {
  await db.query(
    `CREATE TABLE IF NOT EXISTS ${q(names.shares)} (
       share smallint PRIMARY KEY,
       owner varchar(255) NULL,
       epoch bigint NOT NULL DEFAULT 0,
       lease_until timestamptz(3) NULL
     )`,
  );
  await db.query(
    `INSERT INTO ${q(names.shares)} (share) SELECT generate_series(0, $1::int - 1) ON CONFLICT DO NOTHING`,
    [SHARE_COUNT],
  );
  await db.query(
    `CREATE TABLE IF NOT EXISTS ${q(names.members)} (
       member varchar(255) PRIMARY KEY,
       seen_until timestamptz(3) NOT NULL
     )`,
  );
  await db.query(
    `CREATE TABLE IF NOT EXISTS ${q(names.meta)} (
       name varchar(64) PRIMARY KEY,
       value varchar(255) NOT NULL
     )`,
  );
  await db.query(
    `INSERT INTO ${q(names.meta)} (name, value) VALUES ('identity', $1) ON CONFLICT (name) DO NOTHING`,
    [randomUUID()],
  );
}

/**
 * The share index: (<share expression>, id) over the pending rows, so the share claim reads each share's
 * first rows in id order and pendingSince of some shares reads only theirs. The outbox table may be large
 * and busy, so it is built CONCURRENTLY: that takes SHARE UPDATE EXCLUSIVE, which the application's
 * inserts, the claim and the marks do not wait for (a plain CREATE INDEX takes SHARE and blocks every
 * write until it ends). CONCURRENTLY cannot run in a transaction block, so it runs outside the migrations'
 * transaction, still under the migration lock. A build interrupted half-way leaves an invalid index behind
 * (IF NOT EXISTS would keep it): it is dropped and built again.
 */
export async function ensureShareIndex(db: Queryable, names: TableNames): Promise<void> {
  await outsideTransaction(db, async () => {
    const { rows } = await db.query<{ valid?: boolean }>(
      'SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = to_regclass($1)',
      [q(names.shareIndex)],
    );
    const valid = rows[0]?.valid;
    if (valid === true) return;
    if (valid === false) await db.query(`DROP INDEX CONCURRENTLY IF EXISTS ${q(names.shareIndex)}`);
    await db.query(
      `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${q(names.shareIndex)}
       ON ${q(names.table)} (${shareExpression()}, id)
       WHERE push_completed_at IS NULL AND errored = 0`,
    );
  });
}
