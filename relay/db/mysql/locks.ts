// The lock primitive: named locks (GET_LOCK), server-wide, with names hashed from purpose, database and
// table (identifiers.ts). Both the leader's and the migrations' are held by their session.
import { DatabaseError } from '../../errors.js';
import type { LeaderLock, MigrationLock } from '../dialect.js';
import type { Queryable, Rows } from './queryable.js';

const LOCK_WAIT_SECONDS = 120;
const DDL_LOCK_WAIT_SECONDS = 10;

/** Waits up to `timeoutSeconds` for the named lock (0: takes it only if free); false when it timed out. */
async function getNamedLock(db: Queryable, name: string, timeoutSeconds: number): Promise<boolean> {
  const [rows] = await db.query<Rows>('SELECT GET_LOCK(?, ?) AS locked', [name, timeoutSeconds]);
  return Number(rows[0]?.locked) === 1;
}

async function releaseNamedLock(db: Queryable, name: string): Promise<void> {
  await db.query('SELECT RELEASE_LOCK(?)', [name]);
}

export const leaderLock: LeaderLock<Queryable> = {
  tryLock: (db, name) => getNamedLock(db, name, 0),
  unlock: releaseNamedLock,
};

/**
 * DDL waits for a metadata lock that queues the application's inserts behind it; give up after 10 s rather
 * than stall the application behind a long transaction (ER_LOCK_WAIT_TIMEOUT is retriable).
 */
export async function limitLockWait(db: Queryable, seconds: number | 'DEFAULT'): Promise<void> {
  if (seconds === 'DEFAULT') await db.query('SET SESSION lock_wait_timeout = DEFAULT');
  else await db.query('SET SESSION lock_wait_timeout = ?', [seconds]);
}

/** Waits for the migration lock, then shortens the session's lock wait for the DDL. */
export async function lockForMigration(
  db: Queryable,
  database: string,
  name: string,
): Promise<MigrationLock> {
  if (!(await getNamedLock(db, name, LOCK_WAIT_SECONDS))) {
    throw new DatabaseError(
      `mysql database ${database}: migrate failed: another relay held the migration lock for ${LOCK_WAIT_SECONDS} s`,
      undefined,
      { retriable: true },
    );
  }
  const release = () => releaseNamedLock(db, name).catch(() => undefined);
  try {
    await limitLockWait(db, DDL_LOCK_WAIT_SECONDS);
  } catch (error) {
    await release();
    throw error;
  }
  return { commit: release, abort: release };
}
