// The one OutboxStore, on top of a Dialect: it wires the dialect's pool to the dialect's queries and turns
// every driver error into a classified DatabaseError (classify.ts, with the dialect's error table).
import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.js';
import { DatabaseError } from '../errors.js';
import { toDatabaseError } from './classify.js';
import { DedicatedConnections } from './dedicated.js';
import type { Dialect, Pool } from './dialect.js';
import { tableNames, validateRowIds, type TableNames } from './identifiers.js';
import { acquireLeadership } from './leadership.js';
import { migrate } from './migrate.js';
import { truncateChars } from './redact.js';
import { checkLeases, checkShares, createShareLeases } from './share-leases.js';
import { SHARE_COUNT, type Fence, type PendingSince, type ShareLeases } from './shares.js';
import { toStoreStatus } from './status-record.js';
import type {
  Claim,
  Driver,
  Leadership,
  MigrationResult,
  OutboxRow,
  OutboxStore,
  RowFailure,
  StoreConfig,
  StoreStatus,
} from './store.js';

/** error_reason's size when the column has none (text). */
const UNBOUNDED_REASON = 1_000;

export function createOutboxStore<Db>(
  dialect: Dialect<Db>,
  config: StoreConfig,
  logger: Logger,
): OutboxStore {
  return new SqlOutboxStore(dialect, config, logger);
}

class SqlOutboxStore<Db> implements OutboxStore {
  readonly driver: Driver;
  readonly database: string;
  readonly table: string;
  private readonly names: TableNames;
  private readonly logger: Logger;
  private readonly pool: Pool<Db>;
  private readonly dedicated = new DedicatedConnections();
  private reasonLength: number | undefined;
  private tableIdentity: string | undefined;
  private closed = false;
  readonly shares: ShareLeases;

  constructor(
    private readonly dialect: Dialect<Db>,
    private readonly config: StoreConfig,
    parentLogger: Logger,
  ) {
    this.driver = dialect.driver;
    this.database = config.database;
    this.table = config.table;
    this.names = tableNames(config.table);
    this.logger = parentLogger.child({
      component: `${dialect.driver}-store`,
      database: config.database,
      table: config.table,
    });
    // A pooled connection that dies while idle emits 'error'; unhandled, it would crash the process.
    this.pool = dialect.createPool(config, (operation, error, message) =>
      this.logger.warn({ err: this.wrap(operation, error) }, message),
    );
    this.shares = createShareLeases(dialect.shares, this.pool, this.names, (operation, fn) =>
      this.run(operation, fn),
    );
  }

  /** The driver's error, classified, with the password scrubbed (an arrow: it is handed out as is). */
  private readonly wrap = (operation: string, error: unknown) =>
    toDatabaseError(this.dialect.errors, error, {
      driver: this.dialect.driver,
      database: this.config.database,
      operation,
      password: this.config.password,
      table: this.config.table,
      server: {
        host: this.config.host,
        port: this.config.port,
        user: this.config.user,
        tls: this.config.tls,
        ...(this.config.passwordFrom ? { passwordFrom: this.config.passwordFrom } : {}),
      },
    });

  private async run<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw this.wrap(operation, error);
    }
  }

  private get queries() {
    return this.dialect.queries;
  }

  ping(): Promise<void> {
    return this.run('ping', () => this.queries.ping(this.pool.db));
  }

  migrate(): Promise<MigrationResult> {
    return this.run('migrate', () => migrate(this.dialect, this.pool, this.config, this.names, this.logger));
  }

  async claim(
    limit: number,
    claimTimeoutMs: number,
    exclude: readonly string[] = [],
    excludeTopics: readonly string[] = [],
    shares?: readonly number[],
  ): Promise<Claim> {
    if (shares !== undefined) checkShares(shares);
    return this.run('claim', async () => ({
      batchId: randomUUID(),
      rows: await this.readBatch(limit, claimTimeoutMs, exclude, excludeTopics, shares),
    }));
  }

  /** Today's claim without shares; with them the share claim, through the share index (none: nothing). */
  private async readBatch(
    limit: number,
    claimTimeoutMs: number,
    exclude: readonly string[],
    excludeTopics: readonly string[],
    shares: readonly number[] | undefined,
  ): Promise<OutboxRow[]> {
    const { db } = this.pool;
    if (shares === undefined)
      return this.queries.selectBatch(db, this.names, limit, claimTimeoutMs, exclude, excludeTopics);
    // Each share once: the per-share reads of a share given twice would return its rows twice.
    const distinct = [...new Set(shares)];
    if (distinct.length === 0) return [];
    // All the shares: the same rows as today's claim (the first `limit` in id order are at most `limit`
    // of any one share), which reads `limit` rows where the share claim reads up to `limit` of each share.
    if (distinct.length === SHARE_COUNT)
      return this.queries.selectBatch(db, this.names, limit, claimTimeoutMs, exclude, excludeTopics);
    const { selectShareBatch } = this.dialect.shares;
    return selectShareBatch(db, this.names, limit, claimTimeoutMs, exclude, excludeTopics, distinct);
  }

  clearClaims(): Promise<number> {
    return this.run('clearClaims', () => this.queries.clearAllClaims(this.pool.db, this.names));
  }

  async markPublished(batchId: string, ids: string[], fence?: Fence): Promise<number> {
    if (fence) checkLeases(fence.leases);
    return this.run('markPublished', async () => {
      if (ids.length === 0) return 0;
      if (!fence) return this.queries.markRowsPublished(this.pool.db, this.names, batchId, ids);
      if (fence.leases.length === 0) return 0;
      return this.dialect.shares.markFencedPublished(this.pool, this.names, batchId, ids, fence);
    });
  }

  async recordPermanentFailures(
    batchId: string,
    failures: RowFailure[],
    maxAttempts: number,
    fence?: Fence,
  ): Promise<string[]> {
    if (fence) checkLeases(fence.leases);
    return this.run('recordPermanentFailures', async () => {
      if (failures.length === 0 || fence?.leases.length === 0) return [];
      const size = await this.reasonSize();
      const ids = failures.map((failure) => failure.id);
      const reasons = failures.map((failure) => truncateChars(failure.reason, size));
      if (!fence)
        return this.queries.countRowFailures(this.pool, this.names, batchId, ids, reasons, maxAttempts);
      return this.dialect.shares.countFencedFailures(
        this.pool,
        this.names,
        batchId,
        ids,
        reasons,
        maxAttempts,
        fence,
      );
    });
  }

  private async reasonSize(): Promise<number> {
    this.reasonLength ??=
      (await this.queries.errorReasonLength(this.pool.db, this.names)) ?? UNBOUNDED_REASON;
    return this.reasonLength;
  }

  async pendingSince(shares?: readonly number[]): Promise<PendingSince> {
    if (shares !== undefined) checkShares(shares);
    if (shares?.length === 0) return { topics: [], oldestAgeMs: null, pending: 0 };
    return this.run('pendingSince', async () => {
      const byTopic = await this.dialect.shares.pendingByTopic(this.pool.db, this.names, shares);
      const ages = byTopic.flatMap((topic) => (topic.oldestAgeMs === null ? [] : [topic.oldestAgeMs]));
      return {
        topics: byTopic.flatMap((topic) => (topic.topic === null ? [] : [topic.topic])).sort(),
        oldestAgeMs: ages.length === 0 ? null : Math.max(...ages),
        pending: byTopic.reduce((sum, topic) => sum + topic.pending, 0),
        oldestAgeByTopic: Object.fromEntries(
          byTopic.flatMap((t) =>
            t.topic === null || t.oldestAgeMs === null ? [] : [[t.topic, t.oldestAgeMs]],
          ),
        ),
      };
    });
  }

  /** Made once by the migrations and never changed, so read once. */
  identity(): Promise<string> {
    return this.run('identity', async () => {
      this.tableIdentity ??= await this.dialect.shares.tableIdentity(this.pool.db, this.names);
      if (this.tableIdentity === undefined)
        throw new DatabaseError(
          `${this.driver} database ${this.database}: table ${this.table} has no identity yet: run migrate`,
          undefined,
        );
      return this.tableIdentity;
    });
  }

  cleanup(retentionMs: number): Promise<number> {
    return this.run('cleanup', async () => {
      const chunk = this.dialect.cleanupChunk;
      let total = 0;
      for (;;) {
        const deleted = await this.queries.deletePublishedChunk(this.pool.db, this.names, retentionMs, chunk);
        total += deleted;
        if (deleted < chunk) return total;
      }
    });
  }

  optimize(): Promise<void> {
    return this.run('optimize', () => this.queries.optimizeTable(this.pool.db, this.names));
  }

  status(): Promise<StoreStatus> {
    return this.run('status', async () =>
      toStoreStatus(this.database, await this.queries.tableStatus(this.pool.db, this.names)),
    );
  }

  requeue(ids: string[] | 'all'): Promise<number> {
    return this.run('requeue', async () => {
      if (ids === 'all') return this.queries.requeueAllErrored(this.pool.db, this.names);
      if (ids.length === 0) return 0;
      return this.queries.requeueErroredIds(this.pool.db, this.names, validateRowIds(ids));
    });
  }

  acquireLeadership(): Promise<Leadership | null> {
    return this.run('acquireLeadership', async () =>
      this.dedicated.leadership(await acquireLeadership(this.dialect, this.config, this.logger, this.wrap)),
    );
  }

  listen(onWake: () => void): Promise<(() => Promise<void>) | undefined> {
    const listen = this.dialect.listen;
    // MySQL has no notifications; a PostgreSQL table without the insert trigger sends none: both poll.
    if (listen === undefined || !(this.config.notifyOnInsert ?? true)) return Promise.resolve(undefined);
    return this.run('listen', async () =>
      this.dedicated.listener(await listen(this.config, this.names, onWake, this.logger, this.wrap)),
    );
  }

  close(): Promise<void> {
    return this.run('close', async () => {
      if (this.closed) return;
      this.closed = true;
      await this.dedicated.closeAll();
      await this.pool.end();
    });
  }
}
