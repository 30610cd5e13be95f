// LISTEN on a dedicated connection for the insert trigger's channel. When the connection is lost it
// reconnects with the relay's backoff (retry.ts: jittered, capped, so a returning server is reached soon)
// and wakes the relay once, since notifications sent meanwhile were missed.
import type pg from 'pg';
import type { Logger } from '../../logger.js';
import { backoffDelay } from '../../retry.js';
import type { DescribeError } from '../dialect.js';
import type { StoreConfig } from '../store.js';
import { listenChannel } from './maintenance-queries.js';
import { connectClient } from './pool.js';

export async function listenPostgres(
  config: StoreConfig,
  channel: string,
  onWake: () => void,
  logger: Logger,
  describe: DescribeError,
): Promise<() => Promise<void>> {
  const listener = new Listener(config, channel, onWake, logger, describe);
  await listener.open();
  return () => listener.stop();
}

class Listener {
  private stopped = false;
  private current: pg.Client | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Failed reconnections in a row: the backoff's attempt number. */
  private failures = 0;

  constructor(
    private readonly config: StoreConfig,
    private readonly channel: string,
    private readonly onWake: () => void,
    private readonly logger: Logger,
    private readonly describe: DescribeError,
  ) {}

  async open(): Promise<void> {
    const client = await connectClient(this.config);
    client.on('notification', (message) => {
      if (message.channel === this.channel) this.onWake();
    });
    client.on('error', (err) => {
      if (client === this.current)
        this.logger.warn({ err: this.describe('listen', err) }, 'LISTEN connection failed');
      this.lose(client);
    });
    client.on('end', () => this.lose(client));
    try {
      await listenChannel(client, this.channel);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.current = client;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    const client = this.current;
    this.current = undefined;
    await client?.end().catch(() => undefined);
  }

  private lose(client: pg.Client): void {
    if (client !== this.current) return;
    this.current = undefined;
    client.end().catch(() => undefined);
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    const retryMs = backoffDelay(this.failures);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.reconnect(retryMs);
    }, retryMs);
    this.retryTimer.unref();
  }

  private reconnect(retryMs: number): void {
    this.open().then(
      () => {
        this.failures = 0;
        this.logger.info('LISTEN connection restored');
        this.onWake();
      },
      (err: unknown) => {
        this.logger.warn({ err: this.describe('listen', err), retryMs }, 'LISTEN reconnect failed');
        this.failures += 1;
        this.schedule();
      },
    );
  }
}
