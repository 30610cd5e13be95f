// The queries of the shared mode on MySQL/MariaDB (dialect.ts ShareQueries): the share claim, the fenced
// writes, the pending rows by topic, the lease table and the table's identity.
// Lease times are DATETIME(3) in UTC, written and compared with UTC_TIMESTAMP(3): independent of the
// session's time_zone, so relays with different settings agree on when a lease ends. Epochs are BIGINT,
// given as decimal strings and cast (a string compared with an integer is compared as a double).
import type mysql from 'mysql2/promise';
import type { Pool } from '../dialect.js';
import { quoteMysql as q, type TableNames } from '../identifiers.js';
import { claimScans } from '../share-claim.js';
import type { Fence, ShareLease, ShareRecord } from '../shares.js';
import type { OutboxRow } from '../store.js';
import { countFailuresIn, markRowsPublished, PENDING, rawJson, toOutboxRow } from './outbox-queries.js';
import { transaction } from './pool.js';
import type { Queryable, Result, Rows } from './queryable.js';
import { SHARE_COLUMN } from './share-expression.js';

const SHARE = q(SHARE_COLUMN);
const NOW = 'UTC_TIMESTAMP(3)';

/** A lease time in ms as the microseconds of an INTERVAL ? MICROSECOND. */
const micros = (ms: number) => Math.round(ms * 1000);

/**
 * The claim of some shares. Of a few: MariaDB has no LATERAL, so one parenthesised SELECT per share, each
 * the first `limit` eligible ids of its share in id order through the share index (push_completed_at,
 * errored, relay_share, id), their UNION ALL in id order cut to `limit` (each share's rows stay a prefix
 * of its own order). Of many (../share-claim.ts): one SELECT of the first `limit` eligible ids of those
 * shares in id order. Only then are the rows kept joined for their payloads. One statement: one
 * consistent read.
 */
export async function selectShareBatch(
  db: Queryable,
  names: TableNames,
  limit: number,
  claimTimeoutMs: number,
  exclude: readonly string[],
  excludeTopics: readonly string[],
  shares: readonly number[],
): Promise<OutboxRow[]> {
  const statement = shareBatchStatement(names, limit, claimTimeoutMs, exclude, excludeTopics, shares);
  const [rows] = await db.query<Rows>({ sql: statement.sql, typeCast: rawJson }, statement.values);
  return rows.map(toOutboxRow);
}

/** The share claim's statement and values (also EXPLAINed by the tests and the benchmark). */
export function shareBatchStatement(
  names: TableNames,
  limit: number,
  claimTimeoutMs: number,
  exclude: readonly string[],
  excludeTopics: readonly string[],
  shares: readonly number[],
): { sql: string; values: unknown[] } {
  const table = q(names.table);
  const excluded = exclude.length > 0 ? 'AND id NOT IN (?)' : '';
  const topicsExcluded = excludeTopics.length > 0 ? 'AND (topic IS NULL OR topic NOT IN (?))' : '';
  const select = (share: string) => `(SELECT id FROM ${table}
      WHERE ${PENDING} AND ${SHARE} ${share}
        AND (batch_id IS NULL OR push_started_at IS NULL OR push_started_at < NOW() - INTERVAL ? MICROSECOND)
        ${excluded} ${topicsExcluded}
      ORDER BY id LIMIT ?)`;
  const scan = claimScans(shares);
  const values: unknown[] = [];
  for (const share of scan ? [shares] : shares) {
    values.push(share, claimTimeoutMs * 1000);
    if (exclude.length > 0) values.push(exclude);
    if (excludeTopics.length > 0) values.push(excludeTopics);
    values.push(limit);
  }
  values.push(limit);
  const branches = scan ? select('IN (?)') : shares.map(() => select('= ?')).join(' UNION ALL ');
  return {
    sql: `SELECT t.id, t.topic, t.payload_json, t.payload_headers, t.\`key\`, t.partition_key,
            t.push_attempts AS attempts
          FROM (${branches} ORDER BY id LIMIT ?) AS p
          JOIN ${table} AS t ON t.id = p.id
          ORDER BY t.id`,
    values,
  };
}

/** `(share, epoch) IN ((?, CAST(? AS SIGNED)), ...)` and its values. */
function leaseMatch(leases: readonly ShareLease[]): { sql: string; values: unknown[] } {
  return {
    sql: `(share, epoch) IN (${leases.map(() => '(?, CAST(? AS SIGNED))').join(', ')})`,
    values: leases.flatMap((l) => [l.share, l.epoch]),
  };
}

/**
 * The shares of `leases` that `member` still holds unexpired, locked until the transaction ends: with
 * `mode` LOCK IN SHARE MODE for a fenced write (an acquire, an UPDATE, waits for it to commit; a locking
 * read reads the latest committed row, so a lease taken before the lock is seen taken), FOR UPDATE for a
 * renewal. Found by primary key (share IN), so only those rows are locked.
 */
async function lockHeld(
  db: Queryable,
  names: TableNames,
  member: string,
  leases: readonly ShareLease[],
  mode: 'LOCK IN SHARE MODE' | 'FOR UPDATE',
): Promise<ShareLease[]> {
  if (leases.length === 0) return [];
  const match = leaseMatch(leases);
  const [rows] = await db.query<Rows>(
    `SELECT share, CAST(epoch AS CHAR) AS epoch FROM ${q(names.shares)}
     WHERE share IN (?) AND owner = ? AND lease_until > ${NOW} AND ${match.sql}
     ORDER BY share ${mode}`,
    [leases.map((l) => l.share), member, ...match.values],
  );
  return rows.map((row) => ({ share: Number(row.share), epoch: String(row.epoch) }));
}

/**
 * A fenced write in one transaction: the shares of the leases still held, locked LOCK IN SHARE MODE, then
 * `write` of the rows of those shares only; `none` (nothing written) when none is held.
 */
async function fenced<T>(
  pool: Pool<Queryable>,
  names: TableNames,
  fence: Fence,
  none: T,
  write: (db: Queryable, held: number[]) => Promise<T>,
): Promise<T> {
  return transaction(pool, async (db) => {
    const held = await lockHeld(db, names, fence.member, fence.leases, 'LOCK IN SHARE MODE');
    const shares = held.map((lease) => lease.share);
    return shares.length === 0 ? none : write(db, shares);
  });
}

export async function markFencedPublished(
  pool: Pool<Queryable>,
  names: TableNames,
  batchId: string,
  ids: string[],
  fence: Fence,
): Promise<number> {
  return fenced(pool, names, fence, 0, (db, held) => markRowsPublished(db, names, batchId, ids, held));
}

export async function countFencedFailures(
  pool: Pool<Queryable>,
  names: TableNames,
  batchId: string,
  ids: string[],
  reasons: string[],
  maxAttempts: number,
  fence: Fence,
): Promise<string[]> {
  return fenced(pool, names, fence, [], (db, held) =>
    countFailuresIn(db, names, batchId, ids, reasons, maxAttempts, held),
  );
}

/** The pending rows by topic: through the claim index (all shares) or the share index (relay_share IN). */
export async function pendingByTopic(
  db: Queryable,
  names: TableNames,
  shares: readonly number[] | undefined,
) {
  const ofShares = shares === undefined ? '' : `AND ${SHARE} IN (?)`;
  const [rows] = await db.query<Rows>(
    `SELECT topic, COUNT(*) AS pending, TIMESTAMPDIFF(MICROSECOND, MIN(created_at), NOW(3)) / 1000 AS oldest_ms
     FROM ${q(names.table)}
     WHERE ${PENDING} ${ofShares}
     GROUP BY topic`,
    shares === undefined ? [] : [shares],
  );
  return rows.map((row) => ({
    topic: row.topic === null ? null : String(row.topic),
    pending: Number(row.pending),
    oldestAgeMs: row.oldest_ms === null ? null : Number(row.oldest_ms),
  }));
}

export async function tableIdentity(db: Queryable, names: TableNames): Promise<string | undefined> {
  const [rows] = await db.query<Rows>(`SELECT value FROM ${q(names.meta)} WHERE name = 'identity'`);
  return rows[0] === undefined ? undefined : String(rows[0].value);
}

export async function upsertMember(db: Queryable, names: TableNames, member: string, leaseMs: number) {
  await db.query(
    `INSERT INTO ${q(names.members)} (member, seen_until) VALUES (?, ${NOW} + INTERVAL ? MICROSECOND)
     ON DUPLICATE KEY UPDATE seen_until = VALUES(seen_until)`,
    [member, micros(leaseMs)],
  );
}

export async function liveMembers(db: Queryable, names: TableNames): Promise<string[]> {
  const [rows] = await db.query<Rows>(`SELECT member FROM ${q(names.members)} WHERE seen_until > ${NOW}`);
  return rows.map((row) => String(row.member));
}

export async function shareRecords(db: Queryable, names: TableNames): Promise<ShareRecord[]> {
  const [rows] = await db.query<Rows>(
    `SELECT share, owner, CAST(epoch AS CHAR) AS epoch,
       IF(owner IS NOT NULL AND lease_until IS NOT NULL,
          TIMESTAMPDIFF(MICROSECOND, ${NOW}, lease_until) / 1000, NULL) AS remaining
     FROM ${q(names.shares)} ORDER BY share`,
  );
  return rows.map((row) => ({
    share: Number(row.share),
    owner: row.owner === null ? null : String(row.owner),
    epoch: String(row.epoch),
    leaseRemainingMs: row.remaining === null ? null : Math.round(Number(row.remaining)),
  }));
}

export async function insertShareRows(db: Queryable, names: TableNames, count: number): Promise<void> {
  await db.query(`INSERT IGNORE INTO ${q(names.shares)} (share) VALUES ?`, [
    Array.from({ length: count }, (_, share) => [share]),
  ]);
}

export async function acquireShare(
  db: Queryable,
  names: TableNames,
  member: string,
  share: number,
  epoch: string,
  leaseMs: number,
  graceMs: number,
): Promise<boolean> {
  const [result] = await db.query<Result>(
    `UPDATE ${q(names.shares)}
     SET owner = ?, epoch = epoch + 1, lease_until = ${NOW} + INTERVAL ? MICROSECOND
     WHERE share = ? AND epoch = CAST(? AS SIGNED)
       AND (owner IS NULL OR lease_until IS NULL OR lease_until < ${NOW} - INTERVAL ? MICROSECOND)`,
    [member, micros(leaseMs), share, epoch, micros(graceMs)],
  );
  return result.affectedRows === 1;
}

/** MySQL's UPDATE returns no rows: the leases still held are locked and read first, in one transaction. */
export async function renewShares(
  pool: Pool<Queryable>,
  names: TableNames,
  member: string,
  leases: readonly ShareLease[],
  leaseMs: number,
): Promise<ShareLease[]> {
  return transaction(pool, async (db) => {
    const held = await lockHeld(db, names, member, leases, 'FOR UPDATE');
    if (held.length > 0) {
      await db.query<mysql.ResultSetHeader>(
        `UPDATE ${q(names.shares)} SET lease_until = ${NOW} + INTERVAL ? MICROSECOND WHERE share IN (?)`,
        [micros(leaseMs), held.map((lease) => lease.share)],
      );
    }
    return held;
  });
}

export async function releaseShares(
  db: Queryable,
  names: TableNames,
  member: string,
  leases: readonly ShareLease[],
): Promise<void> {
  if (leases.length === 0) return;
  const match = leaseMatch(leases);
  await db.query(
    `UPDATE ${q(names.shares)} SET owner = NULL, lease_until = NULL
     WHERE share IN (?) AND owner = ? AND ${match.sql}`,
    [leases.map((l) => l.share), member, ...match.values],
  );
}

export async function deleteMember(db: Queryable, names: TableNames, member: string): Promise<void> {
  await db.query(`DELETE FROM ${q(names.members)} WHERE member = ?`, [member]);
}
