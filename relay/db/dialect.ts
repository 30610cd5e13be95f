// What really differs between PostgreSQL and MySQL/MariaDB, and nothing else: the SQL of each query, the
// error-code table, how a connection is opened, and the lock primitive (advisory locks, GET_LOCK). The one
// outbox store (outbox-store.ts), the one migration runner (migrate.ts) and the one leadership
// (leadership.ts) are written once on top of it. `Db` is the dialect's own query interface (a pool, a
// pooled connection or a dedicated one); the shared modules only pass it back to the dialect.
import type { Logger } from '../logger.js';
import type { ErrorTable } from './classify.js';
import type { TableNames } from './identifiers.js';
import type { Fence, ShareLease, ShareRecord } from './shares.js';
import type { StatusRecord } from './status-record.js';
import type { Driver, MigrationResult, OutboxRow, StoreConfig } from './store.js';

export type LockPurpose = 'leader' | 'migrate';

/** Classifies and redacts a driver error (the store's wrapper), before it is thrown or logged. */
export type DescribeError = (operation: string, error: unknown) => Error;

/** A problem on a pooled connection outside any query: what it was doing, the error, the log line. */
export type ConnectionProblem = (operation: string, error: unknown, message: string) => void;

/** One numbered migration. Released migrations are never edited: a change is a new one. */
export interface Migration<Db> {
  id: number;
  name: string;
  up(db: Db, names: TableNames): Promise<void>;
}

/** A connection taken from the pool for one job, handed back (healthy) or destroyed. */
export interface Checkout<Db> {
  readonly db: Db;
  release(healthy: boolean): void;
}

export interface Pool<Db> {
  /** Runs each query on any pooled connection. */
  readonly db: Db;
  checkout(): Promise<Checkout<Db>>;
  end(): Promise<void>;
}

/** A connection outside the pool, holding session state (a session lock). */
export interface Session<Db> {
  readonly db: Db;
  onError(listener: (error: unknown) => void): void;
  onEnd(listener: () => void): void;
  /** Ends the connection politely; rejects when that fails. */
  end(): Promise<void>;
  /** Drops the connection at once, without waiting (one found dead, or one that would not end). */
  drop(): void;
}

/** The queries of the publishing path and of the maintenance commands. */
export interface OutboxQueries<Db> {
  ping(db: Db): Promise<void>;
  selectBatch(
    db: Db,
    names: TableNames,
    limit: number,
    claimTimeoutMs: number,
    exclude: readonly string[],
    excludeTopics: readonly string[],
  ): Promise<OutboxRow[]>;
  clearAllClaims(db: Db, names: TableNames): Promise<number>;
  /** Marks the unpublished rows among `ids`; returns how many it marked. */
  markRowsPublished(db: Db, names: TableNames, batchId: string, ids: string[]): Promise<number>;
  /**
   * Counts one permanent failure on each unpublished row (reasons already truncated), atomically; rows
   * reaching `maxAttempts` become errored, stamped with the batch. Returns the ids now errored. Given the
   * pool: a dialect that needs several statements takes one connection for a transaction.
   */
  countRowFailures(
    pool: Pool<Db>,
    names: TableNames,
    batchId: string,
    ids: string[],
    reasons: string[],
    maxAttempts: number,
  ): Promise<string[]>;
  /** The size of error_reason in characters, or undefined when it has none. */
  errorReasonLength(db: Db, names: TableNames): Promise<number | undefined>;
  /** Deletes at most `chunk` published rows older than the retention; returns how many it deleted. */
  deletePublishedChunk(db: Db, names: TableNames, retentionMs: number, chunk: number): Promise<number>;
  /** Reclaims the table's disk (VACUUM, OPTIMIZE TABLE); problems reported as rows are thrown. */
  optimizeTable(db: Db, names: TableNames): Promise<void>;
  tableStatus(db: Db, names: TableNames): Promise<StatusRecord>;
  requeueErroredIds(db: Db, names: TableNames, ids: string[]): Promise<number>;
  requeueAllErrored(db: Db, names: TableNames): Promise<number>;
}

/** The pending rows of one topic (pendingSince), aged by the database's clock. */
export interface PendingTopic {
  /** null for a row whose topic is NULL (a table allowing NULLs). */
  topic: string | null;
  pending: number;
  /** The age of the topic's oldest created_at in ms, or null when none has one. */
  oldestAgeMs: number | null;
}

/**
 * The queries of the shared mode (db/shares.ts): the share claim, the fenced writes, the lease table and
 * the table's identity. A row's share is computed by the database, by one expression per dialect (an
 * indexed expression on PostgreSQL, an indexed virtual column on MySQL). Every time is the database's.
 */
export interface ShareQueries<Db> {
  /** selectBatch, restricted to rows of `shares` (not empty): each share's rows in id order, `limit` in all. */
  selectShareBatch(
    db: Db,
    names: TableNames,
    limit: number,
    claimTimeoutMs: number,
    exclude: readonly string[],
    excludeTopics: readonly string[],
    shares: readonly number[],
  ): Promise<OutboxRow[]>;
  /**
   * markRowsPublished of only the rows whose share the fence still holds, with the fence's lease rows
   * locked until the marks commit (an acquire of one waits: PostgreSQL FOR KEY SHARE, which lets the
   * owner's renewals through; MySQL LOCK IN SHARE MODE, which holds them up); returns how many it marked.
   */
  markFencedPublished(
    pool: Pool<Db>,
    names: TableNames,
    batchId: string,
    ids: string[],
    fence: Fence,
  ): Promise<number>;
  /** countRowFailures of only the rows whose share the fence still holds, locked as markFencedPublished. */
  countFencedFailures(
    pool: Pool<Db>,
    names: TableNames,
    batchId: string,
    ids: string[],
    reasons: string[],
    maxAttempts: number,
    fence: Fence,
  ): Promise<string[]>;
  /** The pending rows (of `shares` when given) grouped by topic. */
  pendingByTopic(db: Db, names: TableNames, shares: readonly number[] | undefined): Promise<PendingTopic[]>;
  /** The identity the migrations stored, or undefined when there is none yet. */
  tableIdentity(db: Db, names: TableNames): Promise<string | undefined>;
  /** Records `member` as live until now + leaseMs. */
  upsertMember(db: Db, names: TableNames, member: string, leaseMs: number): Promise<void>;
  /** The members whose heartbeat has not ended (any order). */
  liveMembers(db: Db, names: TableNames): Promise<string[]>;
  /** Every share row present, in share order. */
  shareRecords(db: Db, names: TableNames): Promise<ShareRecord[]>;
  /** Inserts the rows of shares 0 to count - 1 that are missing. */
  insertShareRows(db: Db, names: TableNames, count: number): Promise<void>;
  /** One conditional UPDATE: true when `share` was taken (its epoch is now epoch + 1). */
  acquireShare(
    db: Db,
    names: TableNames,
    member: string,
    share: number,
    epoch: string,
    leaseMs: number,
    graceMs: number,
  ): Promise<boolean>;
  /** Extends the leases still held unexpired by `member` with their epoch; returns those extended. */
  renewShares(
    pool: Pool<Db>,
    names: TableNames,
    member: string,
    leases: readonly ShareLease[],
    leaseMs: number,
  ): Promise<ShareLease[]>;
  /** Frees the leases `member` holds with their epoch (owner and end NULL, epoch kept). */
  releaseShares(db: Db, names: TableNames, member: string, leases: readonly ShareLease[]): Promise<void>;
  deleteMember(db: Db, names: TableNames, member: string): Promise<void>;
}

/** The session lock that makes a relay the leader, held on a Session. */
export interface LeaderLock<Db> {
  /** Takes the lock if it is free, without waiting: false when another session holds it. */
  tryLock(db: Db, key: string): Promise<boolean>;
  unlock(db: Db, key: string): Promise<void>;
}

/** Held while the migrations run: ends in commit() once they all succeeded, or in abort(). */
export interface MigrationLock {
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** What the migration runner needs around the migrations themselves. */
export interface MigrationQueries<Db> {
  readonly migrations: readonly Migration<Db>[];
  /** null when the server is recent enough, otherwise what is needed. */
  versionProblem(db: Db): Promise<string | null>;
  /** Waits for the lock that serializes two relays starting at once (throws when it cannot have it). */
  lock(db: Db, database: string, names: TableNames): Promise<MigrationLock>;
  createMigrationsTable(db: Db, names: TableNames): Promise<void>;
  appliedMigrations(db: Db, names: TableNames): Promise<number[]>;
  recordMigration(db: Db, names: TableNames, id: number, name: string): Promise<void>;
  tableExists(db: Db, table: string): Promise<boolean>;
  goRelayMigrationVersion(db: Db): Promise<{ version: string; dirty: boolean } | undefined>;
  /** Runs after the numbered migrations, under the lock: what it did goes into the result. */
  finish(db: Db, names: TableNames, config: StoreConfig): Promise<Partial<MigrationResult>>;
}

/** Wake-ups for committed inserts (PostgreSQL's LISTEN); resolves to a function that stops listening. */
export type Listen = (
  config: StoreConfig,
  names: TableNames,
  onWake: () => void,
  logger: Logger,
  describe: DescribeError,
) => Promise<(() => Promise<void>) | undefined>;

export interface Dialect<Db> {
  readonly driver: Driver;
  readonly errors: ErrorTable;
  /**
   * Rows deleted per statement by cleanup: each chunk is its own short transaction, so row locks are held
   * for one chunk only and never stall the claim or the application's inserts for long.
   */
  readonly cleanupChunk: number;
  /** The pool; a pooled connection that fails while idle (or in its set-up) is reported, never thrown. */
  createPool(config: StoreConfig, report: ConnectionProblem): Pool<Db>;
  openSession(config: StoreConfig): Promise<Session<Db>>;
  lockKey(purpose: LockPurpose, database: string, table: string): string;
  readonly leaderLock: LeaderLock<Db>;
  readonly queries: OutboxQueries<Db>;
  readonly shares: ShareQueries<Db>;
  readonly migration: MigrationQueries<Db>;
  /** Absent when the dialect has no notifications (MySQL): the engine polls. */
  readonly listen?: Listen;
}
