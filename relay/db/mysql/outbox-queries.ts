// The queries of the publishing path: claim a batch, mark it published, count permanent failures, release.
// MySQL has no UPDATE ... RETURNING, so a claim is a locking SELECT and an UPDATE in one transaction.
// Timestamps are DATETIME written and compared with NOW(), as the Go relay did.
import type mysql from 'mysql2/promise';
import { quoteMysql as q, type TableNames } from '../identifiers.js';
import type { OutboxRow } from '../store.js';
import type { Queryable, Rows } from './queryable.js';

/**
 * payload_json comes back as the bytes the server sends (MySQL normalizes JSON; MariaDB keeps the text),
 * payload_headers as its text: mysql2 would otherwise parse JSON columns into objects.
 */
const rawJson: mysql.TypeCast = (field, next) => {
  if (field.name === 'payload_json') return field.buffer();
  if (field.name === 'payload_headers') return field.string('utf8');
  return next();
};

function toOutboxRow(row: mysql.RowDataPacket): OutboxRow {
  return {
    id: String(row.id),
    topic: String(row.topic),
    payload: (row.payload_json as Buffer | null) ?? Buffer.alloc(0),
    headers: (row.payload_headers as string | null) ?? '',
    key: String(row.key),
    partitionKey: String(row.partition_key),
    attempts: Number(row.attempts),
    createdAt: new Date(Number(row.created_epoch) * 1000),
  };
}

const CLAIMABLE = `push_completed_at IS NULL AND errored = 0
  AND (batch_id IS NULL OR push_started_at IS NULL OR push_started_at < NOW() - INTERVAL ? MICROSECOND)`;

/**
 * The first `limit` claimable rows in id order, locked, skipping rows another relay has locked. Run inside
 * the claim's transaction, followed by stampBatch.
 *
 * Two steps, because a locking read alone is not atomic towards an application's commit: FOR UPDATE reads
 * the newest rows as it scans, and SKIP LOCKED passes over rows an uncommitted insert still holds, so a
 * transaction committing during the scan has its first rows skipped (still locked) and its later rows
 * taken, and a later row of a key is published before an earlier one. The ids are therefore chosen by a
 * plain SELECT, whose snapshot holds a transaction's rows all or none, and only those rows are locked.
 */
export async function selectClaimable(
  db: Queryable,
  names: TableNames,
  limit: number,
  claimTimeoutMs: number,
): Promise<OutboxRow[]> {
  const [picked] = await db.query<Rows>(
    `SELECT id FROM ${q(names.table)} WHERE ${CLAIMABLE} ORDER BY id LIMIT ?`,
    [claimTimeoutMs * 1000, limit],
  );
  if (picked.length === 0) return [];
  const [rows] = await db.query<Rows>(
    {
      sql: `SELECT id, topic, payload_json, payload_headers, \`key\`, partition_key, push_attempts AS attempts,
              UNIX_TIMESTAMP(COALESCE(created_at, NOW())) AS created_epoch
            FROM ${q(names.table)}
            WHERE id IN (?) AND ${CLAIMABLE}
            ORDER BY id
            FOR UPDATE SKIP LOCKED`,
      typeCast: rawJson,
    },
    [picked.map((row) => row.id), claimTimeoutMs * 1000],
  );
  return rows.map(toOutboxRow);
}

export async function stampBatch(
  db: Queryable,
  names: TableNames,
  batchId: string,
  ids: string[],
): Promise<void> {
  await db.query(`UPDATE ${q(names.table)} SET batch_id = ?, push_started_at = NOW() WHERE id IN (?)`, [
    batchId,
    ids,
  ]);
}

export async function markRowsPublished(
  db: Queryable,
  names: TableNames,
  batchId: string,
  ids: string[],
): Promise<void> {
  await db.query(
    `UPDATE ${q(names.table)} SET push_completed_at = NOW()
     WHERE batch_id = ? AND id IN (?) AND push_completed_at IS NULL`,
    [batchId, ids],
  );
}

/**
 * Counts one permanent failure on a row, keeping the reason. At `maxAttempts` the row becomes errored and
 * keeps its claim; otherwise it is released. MySQL assigns left to right with the new values, so
 * push_attempts is assigned last and every condition reads its old value.
 */
export async function countRowFailure(
  db: Queryable,
  names: TableNames,
  batchId: string,
  id: string,
  reason: string,
  maxAttempts: number,
): Promise<void> {
  await db.query(
    `UPDATE ${q(names.table)} SET
       errored = IF(push_attempts + 1 >= ?, 1, 0),
       error_reason = ?,
       batch_id = IF(push_attempts + 1 >= ?, batch_id, NULL),
       push_started_at = IF(push_attempts + 1 >= ?, push_started_at, NULL),
       push_attempts = push_attempts + 1
     WHERE id = ? AND batch_id = ? AND push_completed_at IS NULL`,
    [maxAttempts, reason, maxAttempts, maxAttempts, id, batchId],
  );
}

export async function erroredInBatch(
  db: Queryable,
  names: TableNames,
  batchId: string,
  ids: string[],
): Promise<string[]> {
  const [rows] = await db.query<Rows>(
    `SELECT id FROM ${q(names.table)} WHERE batch_id = ? AND id IN (?) AND errored <> 0 ORDER BY id`,
    [batchId, ids],
  );
  return rows.map((row) => String(row.id));
}

export async function releaseRows(
  db: Queryable,
  names: TableNames,
  batchId: string,
  ids: string[],
): Promise<void> {
  await db.query(
    `UPDATE ${q(names.table)} SET batch_id = NULL, push_started_at = NULL
     WHERE batch_id = ? AND id IN (?) AND push_completed_at IS NULL AND errored = 0`,
    [batchId, ids],
  );
}

/** The size of error_reason in characters, or undefined when it has none. */
export async function errorReasonLength(db: Queryable, names: TableNames): Promise<number | undefined> {
  const [rows] = await db.query<Rows>(
    `SELECT character_maximum_length AS size FROM information_schema.columns
     WHERE table_schema = DATABASE() AND table_name = ? AND column_name = 'error_reason'`,
    [names.table],
  );
  const size = rows[0]?.size;
  return size === undefined || size === null ? undefined : Number(size);
}
