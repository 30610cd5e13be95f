// The queries of the publishing path: read a batch, mark it published, count permanent failures, clear
// claims left by a previous publisher.
// Timestamps are `timestamp without time zone` (the Go relay's columns), written and compared with
// localtimestamp, as the Go relay did with now(), so both relays agree on a table they share over a switch.
import { quotePostgres as q, type TableNames } from '../identifiers.js';
import { outboxRow } from '../outbox-row.js';
import type { OutboxRow } from '../store.js';
import type { Queryable } from './queryable.js';

/** As read: the public columns are null where a table allowing NULLs holds one. */
export interface RowRecord {
  id: string;
  topic: string | null;
  payload: string | null;
  headers: string | null;
  key: string | null;
  partition_key: string | null;
  attempts: number;
}

/**
 * Row ids as one bigint[] literal. The ids are the table's own (digits only), so the text needs no
 * escaping; node-postgres would otherwise escape and quote each element of a JavaScript array.
 */
export function idArray(ids: readonly string[]): string {
  return `{${ids.join(',')}}`;
}

export function toOutboxRow(record: RowRecord): OutboxRow {
  return outboxRow({
    id: record.id,
    topic: record.topic,
    payload: record.payload === null ? null : Buffer.from(record.payload, 'utf8'),
    headers: record.headers,
    key: record.key,
    partitionKey: record.partition_key,
    attempts: Number(record.attempts),
  });
}

/**
 * The next batch: the first `limit` unpublished, unerrored rows in id order that are not excluded (by id or
 * by topic) and not claimed by another publisher within the claim timeout. A plain SELECT (one snapshot,
 * no lock, no write) through the claim index. Every column is qualified: an unqualified ORDER BY id would
 * sort by the text alias and put 10 before 2. payload_json::text is the stored text of a json column,
 * byte for byte. A NULL topic is never excluded (`NULL = ANY(...)` is NULL): it is read and errored.
 */
export async function selectBatch(
  db: Queryable,
  names: TableNames,
  limit: number,
  claimTimeoutMs: number,
  exclude: readonly string[],
  excludeTopics: readonly string[] = [],
): Promise<OutboxRow[]> {
  const { rows } = await db.query<RowRecord>(
    `SELECT t.id::text AS id, t.topic, t.payload_json::text AS payload, t.payload_headers::text AS headers,
       t."key" AS key, t.partition_key, t.push_attempts AS attempts
     FROM ${q(names.table)} AS t
     WHERE t.push_completed_at IS NULL AND t.errored = 0
       AND (t.batch_id IS NULL OR t.push_started_at IS NULL
            OR t.push_started_at < localtimestamp - $2 * interval '1 millisecond')
       AND NOT (t.id = ANY($3::bigint[]))
       AND (t.topic IS NULL OR NOT (t.topic = ANY($4::text[])))
     ORDER BY t.id
     LIMIT $1`,
    [limit, claimTimeoutMs, idArray(exclude), excludeTopics],
  );
  return rows.map(toOutboxRow);
}

/** Clears every claim on an unpublished, unerrored row; returns how many rows had one. */
export async function clearAllClaims(db: Queryable, names: TableNames): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE ${q(names.table)} SET batch_id = NULL, push_started_at = NULL
     WHERE push_completed_at IS NULL AND errored = 0 AND (batch_id IS NOT NULL OR push_started_at IS NOT NULL)`,
  );
  return rowCount ?? 0;
}

/** One write per published row: the batch stamp and the completion, as the Go relay left its rows. */
export async function markRowsPublished(
  db: Queryable,
  names: TableNames,
  batchId: string,
  ids: string[],
): Promise<number> {
  const { rowCount } = await db.query(markRowsUpdate(names, 1), [batchId, idArray(ids)]);
  return rowCount ?? 0;
}

/**
 * The UPDATE that marks rows published, its parameters numbered from `first`: the batch id, the ids (one
 * bigint[] literal); `condition` narrows the rows (the fenced mark's shares).
 */
export function markRowsUpdate(names: TableNames, first: number, condition = ''): string {
  return `UPDATE ${q(names.table)} AS t
     SET batch_id = $${first}, push_started_at = localtimestamp, push_completed_at = localtimestamp
     WHERE t.id = ANY($${first + 1}::bigint[]) AND t.push_completed_at IS NULL ${condition}`;
}

/**
 * Counts one permanent failure on each unpublished row, keeping the reason. Rows reaching `maxAttempts`
 * become errored, stamped with the batch; the others stay in the queue. Returns the ids now errored.
 */
export async function countRowFailures(
  db: Queryable,
  names: TableNames,
  batchId: string,
  ids: string[],
  reasons: string[],
  maxAttempts: number,
): Promise<string[]> {
  const { rows } = await db.query<{ id: string; errored: number }>(rowFailuresUpdate(names, 1), [
    batchId,
    ids,
    reasons,
    maxAttempts,
  ]);
  return rows.filter((row) => Number(row.errored) !== 0).map((row) => row.id);
}

/**
 * The UPDATE that counts the failures, its parameters numbered from `first`: the batch id, the ids, the
 * reasons, maxAttempts; `condition` narrows the rows (the fenced count's shares).
 */
export function rowFailuresUpdate(names: TableNames, first: number, condition = ''): string {
  const [batch, ids, reasons, max] = [first, first + 1, first + 2, first + 3].map((n) => `$${n}`);
  return `UPDATE ${q(names.table)} AS t SET
       push_attempts = t.push_attempts + 1,
       errored = CASE WHEN t.push_attempts + 1 >= ${max} THEN 1 ELSE 0 END,
       error_reason = f.reason,
       batch_id = CASE WHEN t.push_attempts + 1 >= ${max} THEN ${batch} END,
       push_started_at = CASE WHEN t.push_attempts + 1 >= ${max} THEN localtimestamp END
     FROM unnest(${ids}::bigint[], ${reasons}::text[]) AS f(id, reason)
     WHERE t.id = f.id AND t.push_completed_at IS NULL AND t.errored = 0 ${condition}
     RETURNING t.id::text AS id, t.errored`;
}

/** The size of error_reason (varchar(n)), or undefined when it has none. */
export async function errorReasonLength(db: Queryable, names: TableNames): Promise<number | undefined> {
  const { rows } = await db.query<{ size: number | null }>(
    `SELECT CASE WHEN atttypmod > 4 THEN atttypmod - 4 END AS size
     FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = 'error_reason'`,
    [q(names.table)],
  );
  return rows[0]?.size ?? undefined;
}
