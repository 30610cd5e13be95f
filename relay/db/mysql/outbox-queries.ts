// The queries of the publishing path: read a batch, mark it published, count permanent failures, clear
// claims left by a previous publisher.
// Timestamps are DATETIME written and compared with NOW(), as the Go relay did.
import type mysql from 'mysql2/promise';
import { quoteMysql as q, type TableNames } from '../identifiers.js';
import { outboxRow } from '../outbox-row.js';
import type { OutboxRow } from '../store.js';
import type { Pool } from '../dialect.js';
import { transaction } from './pool.js';
import { SHARE_COLUMN } from './share-expression.js';
import type { Queryable, Rows } from './queryable.js';

/**
 * payload_json comes back as the bytes the server sends (MySQL normalizes JSON; MariaDB keeps the text),
 * payload_headers as its text: mysql2 would otherwise parse JSON columns into objects.
 */
export const rawJson: mysql.TypeCast = (field, next) => {
  if (field.name === 'payload_json') return field.buffer();
  if (field.name === 'payload_headers') return field.string('utf8');
  return next();
};

const text = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value);

export function toOutboxRow(row: mysql.RowDataPacket): OutboxRow {
  return outboxRow({
    id: String(row.id),
    topic: text(row.topic),
    payload: (row.payload_json as Buffer | null) ?? null,
    headers: (row.payload_headers as string | null) ?? null,
    key: text(row.key),
    partitionKey: text(row.partition_key),
    attempts: Number(row.attempts),
  });
}

export const PENDING = `push_completed_at IS NULL AND errored = 0`;

/**
 * The next batch: the first `limit` unpublished, unerrored rows in id order that are not excluded (by id or
 * by topic) and not claimed by another publisher within the claim timeout. A plain SELECT, so a
 * consistent read: one snapshot, in which an application's transaction has all its rows or none (a
 * locking read would see a transaction committing during the scan by halves), no lock, no write. A NULL
 * topic is never excluded (`NULL NOT IN (...)` is NULL): it is read and errored.
 */
export async function selectBatch(
  db: Queryable,
  names: TableNames,
  limit: number,
  claimTimeoutMs: number,
  exclude: readonly string[],
  excludeTopics: readonly string[] = [],
): Promise<OutboxRow[]> {
  const excluded = exclude.length > 0 ? 'AND id NOT IN (?)' : '';
  const topicsExcluded = excludeTopics.length > 0 ? 'AND (topic IS NULL OR topic NOT IN (?))' : '';
  const values: unknown[] = [claimTimeoutMs * 1000];
  if (exclude.length > 0) values.push(exclude);
  if (excludeTopics.length > 0) values.push(excludeTopics);
  values.push(limit);
  const [rows] = await db.query<Rows>(
    {
      sql: `SELECT id, topic, payload_json, payload_headers, \`key\`, partition_key, push_attempts AS attempts
            FROM ${q(names.table)}
            WHERE ${PENDING}
              AND (batch_id IS NULL OR push_started_at IS NULL
                   OR push_started_at < NOW() - INTERVAL ? MICROSECOND)
              ${excluded}
              ${topicsExcluded}
            ORDER BY id
            LIMIT ?`,
      typeCast: rawJson,
    },
    values,
  );
  return rows.map(toOutboxRow);
}

/** Clears every claim on an unpublished, unerrored row; returns how many rows had one. */
export async function clearAllClaims(db: Queryable, names: TableNames): Promise<number> {
  const [result] = await db.query<mysql.ResultSetHeader>(
    `UPDATE ${q(names.table)} SET batch_id = NULL, push_started_at = NULL
     WHERE ${PENDING} AND (batch_id IS NOT NULL OR push_started_at IS NOT NULL)`,
  );
  return result.affectedRows;
}

/** One write per published row: the batch stamp and the completion, as the Go relay left its rows. */
export async function markRowsPublished(
  db: Queryable,
  names: TableNames,
  batchId: string,
  ids: string[],
  shares?: readonly number[],
): Promise<number> {
  const ofShares = shares === undefined ? '' : `AND ${q(SHARE_COLUMN)} IN (?)`;
  const [result] = await db.query<mysql.ResultSetHeader>(
    `UPDATE ${q(names.table)} SET batch_id = ?, push_started_at = NOW(), push_completed_at = NOW()
     WHERE id IN (?) AND push_completed_at IS NULL ${ofShares}`,
    shares === undefined ? [batchId, ids] : [batchId, ids, shares],
  );
  return result.affectedRows;
}

/**
 * Counts one permanent failure on each unpublished row, keeping the reason, in one transaction (one
 * UPDATE per row: each has its own reason). Rows reaching `maxAttempts` become errored, stamped with the
 * batch; the others stay in the queue. Returns the ids now errored.
 */
export async function countRowFailures(
  pool: Pool<Queryable>,
  names: TableNames,
  batchId: string,
  ids: string[],
  reasons: string[],
  maxAttempts: number,
): Promise<string[]> {
  return transaction(pool, (db) => countFailuresIn(db, names, batchId, ids, reasons, maxAttempts));
}

/** countRowFailures inside a transaction already open, of the rows of `shares` only when given. */
export async function countFailuresIn(
  db: Queryable,
  names: TableNames,
  batchId: string,
  ids: string[],
  reasons: string[],
  maxAttempts: number,
  shares?: readonly number[],
): Promise<string[]> {
  const counted: string[] = [];
  for (const [index, id] of ids.entries()) {
    if (await countOneFailure(db, names, batchId, id, reasons[index]!, maxAttempts, shares)) counted.push(id);
  }
  return counted.length === 0 ? [] : erroredInBatch(db, names, batchId, counted);
}

/**
 * Counts one permanent failure on an unpublished row, keeping the reason; false when the row was
 * published or errored already. At `maxAttempts` the row becomes errored, stamped with the batch;
 * otherwise it stays in the queue. MySQL assigns left to right with the new values, so push_attempts is
 * assigned last and every condition reads its old value.
 */
async function countOneFailure(
  db: Queryable,
  names: TableNames,
  batchId: string,
  id: string,
  reason: string,
  maxAttempts: number,
  shares?: readonly number[],
): Promise<boolean> {
  const ofShares = shares === undefined ? '' : `AND ${q(SHARE_COLUMN)} IN (?)`;
  const values: unknown[] = [maxAttempts, reason, maxAttempts, batchId, maxAttempts, id];
  if (shares !== undefined) values.push(shares);
  const [result] = await db.query<mysql.ResultSetHeader>(
    `UPDATE ${q(names.table)} SET
       errored = IF(push_attempts + 1 >= ?, 1, 0),
       error_reason = ?,
       batch_id = IF(push_attempts + 1 >= ?, ?, NULL),
       push_started_at = IF(push_attempts + 1 >= ?, NOW(), NULL),
       push_attempts = push_attempts + 1
     WHERE id = ? AND ${PENDING} ${ofShares}`,
    values,
  );
  return result.affectedRows > 0;
}

async function erroredInBatch(
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
