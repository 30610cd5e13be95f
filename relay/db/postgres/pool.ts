// The pool and the dedicated connections (leadership, LISTEN) as the Dialect's Pool and Session.
import pg from 'pg';
import type { ConnectionProblem, Pool, Session } from '../dialect.js';
import type { StoreConfig } from '../store.js';
import { clientConfig, poolConfig } from './connection.js';
import type { Queryable } from './queryable.js';

export function createPool(config: StoreConfig, report: ConnectionProblem): Pool<Queryable> {
  const pool = new pg.Pool(poolConfig(config));
  pool.on('error', (error) => report('idle connection', error, 'idle database connection lost'));
  return {
    db: pool,
    async checkout() {
      const client = await pool.connect();
      // release(true) destroys the client instead of handing it back.
      return { db: client, release: (healthy) => client.release(!healthy) };
    },
    end: () => pool.end(),
  };
}

/** A connected client outside the pool; one that fails to connect is ended and its error thrown. */
export async function connectClient(config: StoreConfig): Promise<pg.Client> {
  const client = new pg.Client(clientConfig(config));
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return client;
}

export async function openSession(config: StoreConfig): Promise<Session<Queryable>> {
  const client = await connectClient(config);
  return {
    db: client,
    onError: (listener) => client.on('error', listener),
    onEnd: (listener) => client.on('end', listener),
    end: () => client.end(),
    drop: () => void client.end().catch(() => undefined),
  };
}
