// The queries of the shared mode on PostgreSQL (dialect.ts ShareQueries): the share claim, the fenced
// writes, the pending rows by topic, the lease table and the table's identity.
// Lease times are timestamptz(3) written and compared with clock_timestamp(): the real time of each
// statement (localtimestamp is the transaction's start) and independent of the session's TimeZone, so
// relays with different settings agree on when a lease ends.
import type { Pool } from '../dialect.js';
import { quotePostgres as q, type TableNames } from '../identifiers.js';
import { claimScans } from '../share-claim.js';
import type { Fence, ShareLease, ShareRecord } from '../shares.js';
import type { OutboxRow } from '../store.js';
import { idArray, markRowsUpdate, rowFailuresUpdate, toOutboxRow, type RowRecord } from './outbox-queries.js';
import type { Queryable } from './queryable.js';
import { shareExpression } from './share-expression.js';

const MS = `interval '1 millisecond'`;

/**
 * The claim of some shares. Of a few: per share (unnest, then a LATERAL subquery) the first `limit`
 * eligible ids in id order through the share index (<share expression>, id), then the union in id order
 * cut to `limit`, so each share's rows are a prefix of its own order. Of many (../share-claim.ts): the
 * first `limit` eligible ids of those shares in id order, in one scan. Only ids go through the cut; the
 * payloads of the rows kept are read after it. One statement: one snapshot.
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
  const query = shareBatchQuery(names, limit, claimTimeoutMs, exclude, excludeTopics, shares);
  const { rows } = await db.query<RowRecord>(query.text, query.values);
  return rows.map(toOutboxRow);
}

/** The share claim's statement and values (also EXPLAINed by the tests and the benchmark). */
export function shareBatchQuery(
  names: TableNames,
  limit: number,
  claimTimeoutMs: number,
  exclude: readonly string[],
  excludeTopics: readonly string[],
  shares: readonly number[],
): { text: string; values: unknown[] } {
  const table = q(names.table);
  const eligible = `t.push_completed_at IS NULL AND t.errored = 0
           AND (t.batch_id IS NULL OR t.push_started_at IS NULL
                OR t.push_started_at < localtimestamp - $2 * ${MS})
           AND NOT (t.id = ANY($3::bigint[]))
           AND (t.topic IS NULL OR NOT (t.topic = ANY($4::text[])))`;
  const picked = claimScans(shares)
    ? `SELECT t.id FROM ${table} AS t
         WHERE ${eligible} AND ${shareExpression('t')} = ANY($5::int[])
         ORDER BY t.id
         LIMIT $1`
    : `SELECT r.id FROM unnest($5::int[]) AS s(share)
       CROSS JOIN LATERAL (
         SELECT t.id FROM ${table} AS t
         WHERE ${shareExpression('t')} = s.share AND ${eligible}
         ORDER BY t.id
         LIMIT $1
       ) AS r
       ORDER BY r.id
       LIMIT $1`;
  return {
    text: `WITH picked AS (${picked})
     SELECT t.id::text AS id, t.topic, t.payload_json::text AS payload, t.payload_headers::text AS headers,
       t."key" AS key, t.partition_key, t.push_attempts AS attempts
     FROM picked AS p JOIN ${table} AS t ON t.id = p.id
     ORDER BY t.id`,
    values: [limit, claimTimeoutMs, idArray(exclude), excludeTopics, shares],
  };
}

/**
 * The lease rows of `member` among the leases ($1 the member, $2 the shares, $3 their epochs), locked in
 * share order until the statement's transaction ends, so two statements of one member never lock two lease
 * rows in opposite orders (a deadlock). `unexpired`: only those whose lease has not ended.
 * A fenced write locks them FOR KEY SHARE: an acquire of one of them (which locks it FOR UPDATE) waits for
 * the write to commit, and a lease taken before the lock is seen taken (READ COMMITTED re-reads a row
 * updated concurrently before locking it). A renewal locks them FOR NO KEY UPDATE, which a KEY SHARE lock
 * does not block: a fenced write held up (by a row lock on the outbox, say) never holds its owner's
 * renewals up until the leases end. A release locks them FOR UPDATE.
 */
function heldLeases(
  names: TableNames,
  lock: 'FOR KEY SHARE' | 'FOR NO KEY UPDATE' | 'FOR UPDATE',
  unexpired: boolean,
): string {
  return `held AS (
       SELECT s.share FROM ${q(names.shares)} AS s
       JOIN unnest($2::int[], $3::bigint[]) AS l(share, epoch) ON s.share = l.share AND s.epoch = l.epoch
       WHERE s.owner = $1${unexpired ? ' AND s.lease_until > clock_timestamp()' : ''}
       ORDER BY s.share
       ${lock} OF s
     )`;
}

/** The values of heldLeases's $1 to $3. */
function leaseValues(member: string, leases: readonly ShareLease[]): unknown[] {
  return [member, leases.map((l) => l.share), leases.map((l) => l.epoch)];
}

/** A fenced write's lease rows: held unexpired, locked FOR KEY SHARE. */
const fenceHeld = (names: TableNames) => heldLeases(names, 'FOR KEY SHARE', true);

/** One statement: the lease rows locked, then the marks of the rows of those shares. */
export async function markFencedPublished(
  pool: Pool<Queryable>,
  names: TableNames,
  batchId: string,
  ids: string[],
  fence: Fence,
): Promise<number> {
  const { rowCount } = await pool.db.query(
    `WITH ${fenceHeld(names)}
     ${markRowsUpdate(names, 4, `AND ${shareExpression('t')} IN (SELECT share FROM held)`)}`,
    [...leaseValues(fence.member, fence.leases), batchId, idArray(ids)],
  );
  return rowCount ?? 0;
}

/** countRowFailures's UPDATE, of the rows of the held shares only, in one statement. */
export async function countFencedFailures(
  pool: Pool<Queryable>,
  names: TableNames,
  batchId: string,
  ids: string[],
  reasons: string[],
  maxAttempts: number,
  fence: Fence,
): Promise<string[]> {
  const { rows } = await pool.db.query<{ id: string; errored: number }>(
    `WITH ${fenceHeld(names)}
     ${rowFailuresUpdate(names, 4, `AND ${shareExpression('t')} IN (SELECT share FROM held)`)}`,
    [...leaseValues(fence.member, fence.leases), batchId, ids, reasons, maxAttempts],
  );
  return rows.filter((row) => Number(row.errored) !== 0).map((row) => row.id);
}

interface PendingRecord {
  topic: string | null;
  pending: number;
  oldest_ms: number | null;
}

/**
 * The pending rows by topic: through the claim index (all shares) or the share index (= ANY of the
 * shares). created_at is a timestamp without time zone, aged against localtimestamp as status() does.
 */
export async function pendingByTopic(
  db: Queryable,
  names: TableNames,
  shares: readonly number[] | undefined,
) {
  const ofShares = shares === undefined ? '' : `AND ${shareExpression('t')} = ANY($1::int[])`;
  const { rows } = await db.query<PendingRecord>(
    `SELECT t.topic, count(*)::int AS pending,
       (extract(epoch FROM localtimestamp - min(t.created_at)) * 1000)::float8 AS oldest_ms
     FROM ${q(names.table)} AS t
     WHERE t.push_completed_at IS NULL AND t.errored = 0 ${ofShares}
     GROUP BY t.topic`,
    shares === undefined ? [] : [shares],
  );
  return rows.map((row) => ({ topic: row.topic, pending: row.pending, oldestAgeMs: row.oldest_ms }));
}

export async function tableIdentity(db: Queryable, names: TableNames): Promise<string | undefined> {
  const { rows } = await db.query<{ value: string }>(
    `SELECT value FROM ${q(names.meta)} WHERE name = 'identity'`,
  );
  return rows[0]?.value;
}

export async function upsertMember(db: Queryable, names: TableNames, member: string, leaseMs: number) {
  await db.query(
    `INSERT INTO ${q(names.members)} (member, seen_until) VALUES ($1, clock_timestamp() + $2 * ${MS})
     ON CONFLICT (member) DO UPDATE SET seen_until = EXCLUDED.seen_until`,
    [member, leaseMs],
  );
}

export async function liveMembers(db: Queryable, names: TableNames): Promise<string[]> {
  const { rows } = await db.query<{ member: string }>(
    `SELECT member FROM ${q(names.members)} WHERE seen_until > clock_timestamp()`,
  );
  return rows.map((row) => row.member);
}

export async function shareRecords(db: Queryable, names: TableNames): Promise<ShareRecord[]> {
  const { rows } = await db.query<{
    share: number;
    owner: string | null;
    epoch: string;
    remaining: number | null;
  }>(
    `SELECT share, owner, epoch::text AS epoch,
       CASE WHEN owner IS NOT NULL AND lease_until IS NOT NULL
         THEN (extract(epoch FROM lease_until - clock_timestamp()) * 1000)::float8 END AS remaining
     FROM ${q(names.shares)} ORDER BY share`,
  );
  return rows.map((row) => ({
    share: row.share,
    owner: row.owner,
    epoch: row.epoch,
    leaseRemainingMs: row.remaining === null ? null : Math.round(row.remaining),
  }));
}

export async function insertShareRows(db: Queryable, names: TableNames, count: number): Promise<void> {
  await db.query(
    `INSERT INTO ${q(names.shares)} (share) SELECT generate_series(0, $1::int - 1) ON CONFLICT DO NOTHING`,
    [count],
  );
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
  // FOR UPDATE, not an UPDATE's own NO KEY UPDATE lock: it must wait for a fenced write's KEY SHARE lock.
  const { rowCount } = await db.query(
    `WITH takeable AS (
       SELECT share FROM ${q(names.shares)}
       WHERE share = $2 AND epoch = $3::bigint
         AND (owner IS NULL OR lease_until IS NULL OR lease_until < clock_timestamp() - $5 * ${MS})
       FOR UPDATE
     )
     UPDATE ${q(names.shares)} AS s
     SET owner = $1, epoch = s.epoch + 1, lease_until = clock_timestamp() + $4 * ${MS}
     FROM takeable WHERE s.share = takeable.share`,
    [member, share, epoch, leaseMs, graceMs],
  );
  return rowCount === 1;
}

/** The leases still held unexpired are locked first, in share order (heldLeases), then extended. */
export async function renewShares(
  pool: Pool<Queryable>,
  names: TableNames,
  member: string,
  leases: readonly ShareLease[],
  leaseMs: number,
): Promise<ShareLease[]> {
  const { rows } = await pool.db.query<ShareLease>(
    `WITH ${heldLeases(names, 'FOR NO KEY UPDATE', true)}
     UPDATE ${q(names.shares)} AS s SET lease_until = clock_timestamp() + $4 * ${MS}
     FROM held WHERE s.share = held.share
     RETURNING s.share, s.epoch::text AS epoch`,
    [...leaseValues(member, leases), leaseMs],
  );
  return rows.map((row) => ({ share: row.share, epoch: row.epoch }));
}

/** The leases still held, ended or not, are locked first, in share order (heldLeases), then freed. */
export async function releaseShares(
  db: Queryable,
  names: TableNames,
  member: string,
  leases: readonly ShareLease[],
): Promise<void> {
  await db.query(
    `WITH ${heldLeases(names, 'FOR UPDATE', false)}
     UPDATE ${q(names.shares)} AS s SET owner = NULL, lease_until = NULL
     FROM held WHERE s.share = held.share`,
    leaseValues(member, leases),
  );
}

export async function deleteMember(db: Queryable, names: TableNames, member: string): Promise<void> {
  await db.query(`DELETE FROM ${q(names.members)} WHERE member = $1`, [member]);
}
