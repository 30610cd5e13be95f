// The queries of the operator commands and health checks (cleanup, optimize, status, requeue, ping), and
// the session setting of every pooled connection.
import { DatabaseError } from '../../errors.js';
import { quoteMysql as q, type TableNames } from '../identifiers.js';
import type { StatusRecord } from '../status-record.js';
import type { Queryable, Result, Rows } from './queryable.js';

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
  const [result] = await db.query<Result>(
    `DELETE FROM ${q(names.table)}
     WHERE push_completed_at < NOW() - INTERVAL ? MICROSECOND
     ORDER BY push_completed_at
     LIMIT ?`,
    [retentionMs * 1000, chunk],
  );
  return result.affectedRows;
}

/** OPTIMIZE TABLE reports problems as rows, not as errors: its error rows are thrown as one error. */
export async function optimizeTable(db: Queryable, names: TableNames): Promise<void> {
  const [rows] = await db.query<Rows>(`OPTIMIZE TABLE ${q(names.table)}`);
  const errors = rows
    .filter((row) => String(row.Msg_type).toLowerCase() === 'error')
    .map((row) => String(row.Msg_text));
  if (errors.length > 0)
    throw new DatabaseError(`OPTIMIZE TABLE ${names.table}: ${errors.join('; ')}`, undefined);
}

export async function tableStatus(db: Queryable, names: TableNames): Promise<StatusRecord> {
  const [rows] = await db.query<Rows>(
    `SELECT
       COALESCE(SUM(push_completed_at IS NULL AND errored = 0), 0) AS pending,
       COALESCE(SUM(errored <> 0), 0) AS errored,
       COUNT(*) AS total,
       TIMESTAMPDIFF(SECOND,
         MIN(CASE WHEN push_completed_at IS NULL AND errored = 0 THEN created_at END), NOW())
         AS oldest_pending_age_seconds
     FROM ${q(names.table)}`,
  );
  return rows[0] as unknown as StatusRecord;
}

export async function requeueErroredIds(db: Queryable, names: TableNames, ids: string[]): Promise<number> {
  const [result] = await db.query<Result>(
    `UPDATE ${q(names.table)} SET errored = 0, push_attempts = 0, batch_id = NULL, push_started_at = NULL
     WHERE errored <> 0 AND id IN (?)`,
    [ids],
  );
  return result.affectedRows;
}

export async function requeueAllErrored(db: Queryable, names: TableNames): Promise<number> {
  const [result] = await db.query<Result>(
    `UPDATE ${q(names.table)} SET errored = 0, push_attempts = 0, batch_id = NULL, push_started_at = NULL
     WHERE errored <> 0`,
  );
  return result.affectedRows;
}

/** A pooled connection as the pool's 'connection' event gives it: mysql2's callback interface. */
export interface CallbackConnection {
  query(sql: string, callback: (error: Error | null) => void): unknown;
}

/**
 * Makes every transaction of this session READ COMMITTED. Under REPEATABLE READ, InnoDB's locking reads take
 * gap locks: a claim that finds fewer rows than its LIMIT locks the gap at the end of the claim index, which
 * is exactly where the application inserts new rows, so its inserts would wait for the claim to commit.
 */
export function useReadCommitted(connection: CallbackConnection, onError: (error: Error) => void): void {
  connection.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED', (error) => {
    if (error) onError(error);
  });
}
