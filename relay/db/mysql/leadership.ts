// Leadership is a named lock (GET_LOCK) held on a connection of its own: it lasts exactly as long as that
// session, so a relay that dies or is cut off loses it, and the server hands it to the next relay.
import mysql from 'mysql2/promise';
import type { Logger } from '../../logger.js';
import { lostSignal } from '../lost-signal.js';
import type { Leadership, StoreConfig } from '../store.js';
import { connectionOptions } from './connection.js';
import { ping, tryNamedLock } from './maintenance-queries.js';
import { releaseNamedLock } from './migration-queries.js';

export const HEARTBEAT_INTERVAL_MS = 5_000;
export const HEARTBEAT_TIMEOUT_MS = 10_000;

export async function acquireMysqlLeadership(
  config: StoreConfig,
  lockName: string,
  logger: Logger,
  /** Classifies and redacts a driver error before it is logged. */
  describe: (operation: string, error: unknown) => Error,
): Promise<Leadership | null> {
  const connection = await mysql.createConnection(connectionOptions(config));
  // Set before ending the connection ourselves, so that its 'end' is not reported as a loss.
  let closing = false;
  const signal = lostSignal(() => {
    if (!closing) logger.warn({ database: config.database }, 'leadership connection lost');
    connection.destroy();
  });
  connection.on('error', (err: unknown) => {
    if (!signal.isLost() && !closing)
      logger.warn({ err: describe('leadership', err) }, 'leadership connection failed');
    signal.markLost();
  });
  connection.on('end', () => signal.markLost());
  try {
    if (!(await tryNamedLock(connection, lockName))) {
      closing = true;
      await connection.end();
      return null;
    }
  } catch (error) {
    closing = true;
    connection.destroy();
    throw error;
  }
  signal.startHeartbeat(() => ping(connection), HEARTBEAT_INTERVAL_MS, HEARTBEAT_TIMEOUT_MS);
  return {
    lost: signal.lost,
    async release() {
      if (closing) return;
      closing = true;
      signal.stopHeartbeat();
      if (!signal.isLost()) await releaseNamedLock(connection, lockName).catch(() => undefined);
      await connection.end().catch(() => connection.destroy());
    },
  };
}
