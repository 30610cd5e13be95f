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
): Promise<Leadership | null> {
  const client = new pg.Client(clientConfig(config));
  const signal = lostSignal(() => {
    logger.warn({ database: config.database }, 'leadership connection lost');
    client.end().catch(() => undefined);
  });
  client.on('error', (err) => {
    if (!signal.isLost()) logger.warn({ err, database: config.database }, 'leadership connection failed');
    signal.markLost();
  });
  client.on('end', () => signal.markLost());
  try {
    await client.connect();
    if (!(await tryAdvisoryLock(client, lockKey))) {
      signal.stopHeartbeat();
      await client.end();
      return null;
    }
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  signal.startHeartbeat(() => ping(client), HEARTBEAT_INTERVAL_MS, HEARTBEAT_TIMEOUT_MS);
  let released = false;
  return {
    lost: signal.lost,
    async release() {
      if (released) return;
      released = true;
      signal.stopHeartbeat();
      if (!signal.isLost()) await advisoryUnlock(client, lockKey).catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
}
