// The lock primitive: advisory locks on keys hashed from purpose, database and table (identifiers.ts). The
// leader holds a session-level lock; the migrations a transaction-level one.
import type { LeaderLock, MigrationLock } from '../dialect.js';
import type { Queryable } from './queryable.js';

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
 * Opens the migrations' transaction and waits for the migration lock, held until the transaction ends.
 * DDL on the outbox table takes an ACCESS EXCLUSIVE lock that queues the application's inserts behind it,
 * so it gives up after 10 s rather than stall the application behind a long transaction (the relay
 * retries: SQLSTATE 55P03 is retriable).
 */
export async function lockForMigration(db: Queryable, key: string): Promise<MigrationLock> {
  const rollback = async () => {
    await db.query('ROLLBACK');
  };
  await db.query('BEGIN');
  try {
    await db.query('SELECT pg_advisory_xact_lock($1::bigint)', [key]);
    await db.query(`SET LOCAL lock_timeout = '10s'`);
  } catch (error) {
    await rollback().catch(() => undefined);
    throw error;
  }
  return {
    commit: async () => {
      await db.query('COMMIT');
    },
    abort: rollback,
  };
}
