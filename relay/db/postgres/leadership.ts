// Leadership is a session-level advisory lock held on a connection of its own: it lasts exactly as long as
// that session, so a relay that dies or is cut off loses it, and the server hands it to the next relay.
import pg from 'pg';
import type { Logger } from '../../logger.js';
import { lostSignal } from '../lost-signal.js';
import type { Leadership, StoreConfig } from '../store.js';
import { clientConfig } from './connection.js';
import { advisoryUnlock, ping, tryAdvisoryLock } from './maintenance-queries.js';

export const HEARTBEAT_INTERVAL_MS = 5_000;
export const HEARTBEAT_TIMEOUT_MS = 10_000;

export async function acquirePostgresLeadership(
  config: StoreConfig,
  lockKey: string,
  logger: Logger,
  /** Classifies and redacts a driver error before it is logged. */
  describe: (operation: string, error: unknown) => Error,
): Promise<Leadership | null> {
  const client = new pg.Client(clientConfig(config));
  // Set before ending the connection ourselves, so that its 'end' is not reported as a loss.
  let closing = false;
  const signal = lostSignal(() => {
    if (!closing) logger.warn({ database: config.database }, 'leadership connection lost');
    client.end().catch(() => undefined);
  });
  client.on('error', (err) => {
    if (!signal.isLost() && !closing)
      logger.warn({ err: describe('leadership', err) }, 'leadership connection failed');
    signal.markLost();
  });
  client.on('end', () => signal.markLost());
  try {
    await client.connect();
    if (!(await tryAdvisoryLock(client, lockKey))) {
      closing = true;
      await client.end();
      return null;
    }
  } catch (error) {
    closing = true;
    await client.end().catch(() => undefined);
    throw error;
  }
  signal.startHeartbeat(() => ping(client), HEARTBEAT_INTERVAL_MS, HEARTBEAT_TIMEOUT_MS);
  return {
    lost: signal.lost,
    async release() {
      if (closing) return;
      closing = true;
      signal.stopHeartbeat();
      if (!signal.isLost()) await advisoryUnlock(client, lockKey).catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
}
