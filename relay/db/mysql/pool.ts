// The pool and the dedicated connection (leadership) as the Dialect's Pool and Session, and the one
// transaction the store needs on MySQL.
import mysql from 'mysql2/promise';
import type { ConnectionProblem, Pool, Session } from '../dialect.js';
import type { StoreConfig } from '../store.js';
import { connectionOptions, poolOptions } from './connection.js';
import { useReadCommitted } from './maintenance-queries.js';
import type { Queryable } from './queryable.js';

export function createPool(config: StoreConfig, report: ConnectionProblem): Pool<Queryable> {
  const pool = mysql.createPool(poolOptions(config));
  pool.pool.on('connection', (connection) => {
    connection.on('error', (error: unknown) =>
      report('idle connection', error, 'idle database connection lost'),
    );
    useReadCommitted(connection, (error) =>
      report('session setup', error, 'could not set READ COMMITTED on a connection'),
    );
  });
  return {
    db: pool,
    async checkout() {
      const connection = await pool.getConnection();
      return {
        db: connection,
        release: (healthy) => (healthy ? connection.release() : connection.destroy()),
      };
    },
    end: () => pool.end(),
  };
}

export async function openSession(config: StoreConfig): Promise<Session<Queryable>> {
  const connection = await mysql.createConnection(connectionOptions(config));
  return {
    db: connection,
    onError: (listener) => connection.on('error', listener),
    onEnd: (listener) => connection.on('end', listener),
    end: () => connection.end(),
    drop: () => connection.destroy(),
  };
}

/** Runs `fn` in a transaction on one pooled connection; a connection that failed is not reused. */
export async function transaction<T>(pool: Pool<Queryable>, fn: (db: Queryable) => Promise<T>): Promise<T> {
  const { db, release } = await pool.checkout();
  try {
    await db.query('START TRANSACTION');
    const result = await fn(db);
    await db.query('COMMIT');
    release(true);
    return result;
  } catch (error) {
    await db.query('ROLLBACK').catch(() => undefined);
    release(false);
    throw error;
  }
}
