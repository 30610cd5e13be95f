// LISTEN on a dedicated connection for the insert trigger's channel. When the connection is lost it
// reconnects with backoff and wakes the relay once, since notifications sent meanwhile were missed.
import pg from 'pg';
import type { Logger } from '../../logger.js';
import type { StoreConfig } from '../store.js';
import { clientConfig } from './connection.js';
import { listenChannel } from './maintenance-queries.js';

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;

export async function listenPostgres(
  config: StoreConfig,
  channel: string,
  onWake: () => void,
  logger: Logger,
  /** Classifies and redacts a driver error before it is logged. */
  describe: (operation: string, error: unknown) => Error,
): Promise<() => Promise<void>> {
  let stopped = false;
  let current: pg.Client | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let retryMs = FIRST_RETRY_MS;

  async function open(): Promise<void> {
    const client = new pg.Client(clientConfig(config));
    client.on('notification', (message) => {
      if (message.channel === channel) onWake();
    });
    client.on('error', (err) => {
      if (client === current) logger.warn({ err: describe('listen', err) }, 'LISTEN connection failed');
      lose(client);
    });
    client.on('end', () => lose(client));
    try {
      await client.connect();
      await listenChannel(client, channel);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    current = client;
  }

  function lose(client: pg.Client): void {
    if (client !== current) return;
    current = undefined;
    client.end().catch(() => undefined);
    schedule();
  }

  function schedule(): void {
    if (stopped) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      open().then(
        () => {
          retryMs = FIRST_RETRY_MS;
          logger.info({ database: config.database }, 'LISTEN connection restored');
          onWake();
        },
        (err: unknown) => {
          logger.warn({ err: describe('listen', err), retryMs }, 'LISTEN reconnect failed');
          retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
          schedule();
        },
      );
    }, retryMs);
    retryTimer.unref();
  }

  await open();
  return async () => {
    stopped = true;
    if (retryTimer !== undefined) clearTimeout(retryTimer);
    const client = current;
    current = undefined;
    await client?.end().catch(() => undefined);
  };
}
