// Leadership is a session lock (PostgreSQL's advisory lock, MySQL's GET_LOCK) held on a connection of its
// own: it lasts exactly as long as that session, so a relay that dies or is cut off loses it, and the
// server hands it to the next relay. A heartbeat finds a connection that died without a word.
import type { Logger } from '../logger.js';
import type { DescribeError, Dialect } from './dialect.js';
import { lostSignal } from './lost-signal.js';
import type { Leadership, StoreConfig } from './store.js';

export const HEARTBEAT_INTERVAL_MS = 5_000;
export const HEARTBEAT_TIMEOUT_MS = 10_000;

export async function acquireLeadership<Db>(
  dialect: Dialect<Db>,
  config: StoreConfig,
  logger: Logger,
  describe: DescribeError,
): Promise<Leadership | null> {
  const key = dialect.lockKey('leader', config.database, config.table);
  const { ping } = dialect.queries;
  const { tryLock, unlock } = dialect.leaderLock;
  const session = await dialect.openSession(config);
  // Set before ending the connection ourselves, so that its 'end' is not reported as a loss.
  let closing = false;
  const signal = lostSignal(() => {
    if (!closing) logger.warn('leadership connection lost');
    session.drop();
  });
  session.onError((err) => {
    if (!signal.isLost() && !closing)
      logger.warn({ err: describe('leadership', err) }, 'leadership connection failed');
    signal.markLost();
  });
  session.onEnd(() => signal.markLost());
  try {
    if (!(await tryLock(session.db, key))) {
      closing = true;
      await session.end();
      return null;
    }
  } catch (error) {
    closing = true;
    session.drop();
    throw error;
  }
  signal.startHeartbeat(() => ping(session.db), HEARTBEAT_INTERVAL_MS, HEARTBEAT_TIMEOUT_MS);
  return {
    lost: signal.lost,
    async release() {
      if (closing) return;
      closing = true;
      signal.stopHeartbeat();
      if (!signal.isLost()) await unlock(session.db, key).catch(() => undefined);
      await session.end().catch(() => session.drop());
    },
  };
}
