// The lock primitive: advisory locks on keys hashed from purpose, database and table (identifiers.ts). The
// leader holds a session-level lock; so do the migrations, around the transaction they run in.
import { setTimeout as sleep } from 'node:timers/promises';
import { DatabaseError } from '../../errors.js';
import type { LeaderLock, MigrationLock } from '../dialect.js';
import type { Queryable } from './queryable.js';

const LOCK_WAIT_MS = 120_000;
const LOCK_POLL_MS = 100;
const DDL_LOCK_TIMEOUT = `SET LOCAL lock_timeout = '10s'`;

export const leaderLock: LeaderLock<Queryable> = {
  async tryLock(db, key) {
    const { rows } = await db.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock($1::bigint) AS locked',
      [key],
    );
    return rows[0]?.locked === true;
  },
  async unlock(db, key) {
    await db.query('SELECT pg_advisory_unlock($1::bigint)', [key]);
  },
};

/**
 * Waits for the migration lock, then opens the migrations' transaction. The lock is a session lock, so
 * that a migration may leave the transaction for a step that cannot run in one (outsideTransaction) and
 * still hold it; it is polled with pg_try_advisory_lock between short sleeps rather than waited for in one
 * statement, because a relay waiting inside a statement holds a snapshot, and CREATE INDEX CONCURRENTLY
 * in the holder's migration waits for every older snapshot to end: the two would deadlock.
 * DDL on the outbox table takes an ACCESS EXCLUSIVE lock that queues the application's inserts behind it,
 * so the transaction gives up after 10 s rather than stall the application behind a long transaction (the
 * relay retries: SQLSTATE 55P03 is retriable).
 */
export async function lockForMigration(db: Queryable, database: string, key: string): Promise<MigrationLock> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  while (!(await leaderLock.tryLock(db, key))) {
    if (Date.now() >= deadline) {
      throw new DatabaseError(
        `postgres database ${database}: migrate failed: another relay held the migration lock for ${LOCK_WAIT_MS / 1000} s`,
        undefined,
        { retriable: true },
      );
    }
    await sleep(LOCK_POLL_MS);
  }
  const unlock = () => leaderLock.unlock(db, key);
  try {
    await db.query('BEGIN');
    await db.query(DDL_LOCK_TIMEOUT);
  } catch (error) {
    await db.query('ROLLBACK').catch(() => undefined);
    await unlock().catch(() => undefined);
    throw error;
  }
  return {
    commit: async () => {
      await db.query('COMMIT');
      await unlock();
    },
    abort: async () => {
      try {
        await db.query('ROLLBACK');
      } finally {
        await unlock();
      }
    },
  };
}

/**
 * Runs `step` outside the migrations' transaction, still under the migration lock: commits what the
 * migrations did so far (each recorded as applied), runs the step in autocommit with the session's own
 * lock_timeout, and opens a new transaction for the rest. For CREATE INDEX CONCURRENTLY, which cannot run
 * in a transaction block. A step that fails leaves no transaction open; the runner's abort then only
 * releases the lock.
 */
export async function outsideTransaction(db: Queryable, step: () => Promise<void>): Promise<void> {
  await db.query('COMMIT');
  await step();
  await db.query('BEGIN');
  await db.query(DDL_LOCK_TIMEOUT);
}
