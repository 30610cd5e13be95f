// The queries of the operator commands and health checks (cleanup, optimize, status, requeue, ping) and
// the LISTEN of the wake-up.
import { quotePostgres as q, type TableNames } from '../identifiers.js';
import type { Queryable } from './queryable.js';

export async function ping(db: Queryable): Promise<void> {
  await db.query('SELECT 1');
}

/** Deletes at most `chunk` published rows older than the retention; returns how many it deleted. */
export async function deletePublishedChunk(
  db: Queryable,
  names: TableNames,
  retentionMs: number,
  chunk: number,
): Promise<number> {
  const table = q(names.table);
  const result = await db.query(
    `DELETE FROM ${table} WHERE id IN (
       SELECT id FROM ${table}
       WHERE push_completed_at < localtimestamp - $1 * interval '1 millisecond'
       LIMIT $2
     )`,
    [retentionMs, chunk],
  );
  return result.rowCount ?? 0;
}

/** VACUUM cannot run inside a transaction block: run it on the pool, never in a transaction. */
export async function optimizeTable(db: Queryable, names: TableNames): Promise<void> {
  await db.query(`VACUUM (ANALYZE) ${q(names.table)}`);
}

export interface StatusRecord {
  pending: string;
  errored: string;
  total: string;
  oldest_pending_age_seconds: string | null;
}

export async function tableStatus(db: Queryable, names: TableNames): Promise<StatusRecord> {
  const { rows } = await db.query<StatusRecord>(
    `SELECT
       count(*) FILTER (WHERE push_completed_at IS NULL AND errored = 0)::text AS pending,
       count(*) FILTER (WHERE errored <> 0)::text AS errored,
       count(*)::text AS total,
       extract(epoch FROM localtimestamp
         - min(created_at) FILTER (WHERE push_completed_at IS NULL AND errored = 0))::text
         AS oldest_pending_age_seconds
     FROM ${q(names.table)}`,
  );
  return rows[0]!;
}

export async function requeueErroredIds(db: Queryable, names: TableNames, ids: string[]): Promise<number> {
  const result = await db.query(
    `UPDATE ${q(names.table)} SET errored = 0, push_attempts = 0, batch_id = NULL, push_started_at = NULL
     WHERE errored <> 0 AND id = ANY($1::bigint[])`,
    [ids],
  );
  return result.rowCount ?? 0;
}

export async function requeueAllErrored(db: Queryable, names: TableNames): Promise<number> {
  const result = await db.query(
    `UPDATE ${q(names.table)} SET errored = 0, push_attempts = 0, batch_id = NULL, push_started_at = NULL
     WHERE errored <> 0`,
  );
  return result.rowCount ?? 0;
}

/** LISTEN takes no parameters: the channel is a validated identifier (TableNames.channel), quoted. */
export async function listenChannel(db: Queryable, channel: string): Promise<void> {
  await db.query(`LISTEN ${q(channel)}`);
}
