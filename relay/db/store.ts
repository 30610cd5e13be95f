// The contract between the publishing engine and a database. One OutboxStore serves one database (one
// DB_NAME value) and one outbox table; one implementation (outbox-store.ts) serves both dialects, whose
// modules (PostgreSQL, MySQL/MariaDB; dialect.ts) hold all of their SQL. Errors thrown are DatabaseError with `retriable` set from the dialect's
// error-code table: a connection loss or a deadlock is retriable, a syntax error is not.
import type { DatabaseTls } from '../tls/types.js';
import type { Fence, PendingSince, ShareLeases } from './shares.js';

export type Driver = 'postgres' | 'mysql';

export interface OutboxRow {
  /** The outbox id as a decimal string: ids are BIGINT, beyond a JS number's exact range. */
  id: string;
  topic: string;
  /** payload_json exactly as stored, as bytes: sent unchanged as the message value. */
  payload: Buffer;
  /** payload_headers as stored text; '' or '{}' means no headers. Validated by the engine, not here. */
  headers: string;
  /** Kafka message key; '' means no key. */
  key: string;
  /** Used instead of `key` to choose the partition when not ''; never sent. */
  partitionKey: string;
  /** push_attempts so far (permanent failures only). */
  attempts: number;
  /**
   * Why the row can never be published as it is, when the database gave a NULL in a public column (a
   * table made or adopted with NULLs allowed): the column's name. The NULL fields above are then ''.
   */
  defect?: string;
}

export interface Claim {
  /** The batch id (a UUID) the rows are stamped with when they are resolved. */
  batchId: string;
  /** The rows read, in id order. */
  rows: OutboxRow[];
}

export interface RowFailure {
  id: string;
  /** Why the row cannot be published; stored (truncated to the column's size) as error_reason. */
  reason: string;
}

export interface StoreStatus {
  database: string;
  /** Rows not yet published and not errored. */
  pending: number;
  errored: number;
  /** All rows in the table. */
  total: number;
  /** Age of the oldest pending row in seconds, or null when nothing is pending. */
  oldestPendingAgeSeconds: number | null;
}

export interface Leadership {
  /**
   * Resolves when the lock is lost (its connection died or stopped answering its heartbeat): the holder
   * must stop publishing at once. Also resolves once release() has closed the connection.
   */
  readonly lost: Promise<void>;
  release(): Promise<void>;
}

export interface MigrationResult {
  /** Names of the migrations applied by this call (empty when the table was up to date). */
  applied: string[];
  /** True when an existing table created by the Go relay was adopted. */
  adoptedGoRelayTable: boolean;
  /** PostgreSQL: set when this call created or dropped the insert trigger to match notifyOnInsert. */
  notifyTrigger?: 'created' | 'dropped';
}

export interface OutboxStore {
  readonly driver: Driver;
  readonly database: string;
  readonly table: string;

  /** Cheap round trip, for /healthz. */
  ping(): Promise<void>;

  /**
   * Creates or upgrades the outbox table. Numbered migrations, never edited once released, each idempotent,
   * serialized by a database lock so two relays starting at once are safe. Adopts a Go relay table in place.
   */
  migrate(): Promise<MigrationResult>;

  /**
   * Reads the next batch: up to `limit` rows that are not published and not errored, in id order, leaving
   * out the ids in `exclude` (rows this relay is still sending or marking) and rows another publisher has
   * stamped with a claim (batch_id and push_started_at, as the Go relay claims) less than `claimTimeoutMs`
   * ago. It writes nothing and takes no row lock: one relay per table publishes (acquireLeadership), so the
   * leader needs no claim on the rows, and each row is written once, when it is marked. Rows of the topics
   * in `excludeTopics` (held: missing or not writable) are left out too, so that they do not fill every
   * batch while other topics wait. One statement, so
   * it sees a snapshot: a transaction's rows come all or none. The batch id is new; it is written by
   * markPublished and recordPermanentFailures. With `shares` (shared mode: db/shares.ts), only rows of
   * those shares are read, each share in id order, through the share index.
   */
  claim(
    limit: number,
    claimTimeoutMs: number,
    exclude?: readonly string[],
    excludeTopics?: readonly string[],
    shares?: readonly number[],
  ): Promise<Claim>;

  /**
   * Clears the claims on unpublished rows (batch_id, push_started_at): run by a new leader before its first
   * claim, because a claim left by a relay that is gone (an earlier version of this relay, or the Go relay)
   * would otherwise hold its rows back for CLAIM_TIMEOUT_MS while later rows of their keys went out.
   * Returns how many rows it cleared.
   */
  clearClaims(): Promise<number>;

  /**
   * Marks rows published (push_completed_at = now), stamping them with the batch id; returns how many it
   * marked. With a fence, only rows of the fence's shares whose leases are still held (db/shares.ts).
   */
  markPublished(batchId: string, ids: string[], fence?: Fence): Promise<number>;

  /**
   * Counts a permanent failure against each unpublished row (push_attempts + 1). A row whose attempts reach
   * `maxAttempts` is marked errored with its reason and stamped with the batch id; the others stay in the
   * queue for a later retry. Returns the ids that are now errored.
   */
  recordPermanentFailures(
    batchId: string,
    failures: RowFailure[],
    maxAttempts: number,
    fence?: Fence,
  ): Promise<string[]>;

  /** The topics and the oldest age of the pending rows (of `shares` when given): what a read-back covers. */
  pendingSince(shares?: readonly number[]): Promise<PendingSince>;

  /**
   * The table's identity: a UUID made once per outbox table by the migrations and kept in the database.
   * Every message carries it (the outbox-source header), so that a relay reading Kafka back to find what
   * was sent and not marked recognises only this table's messages, whatever else writes the topic.
   */
  identity(): Promise<string>;

  /** The share leases of this table (shared mode). */
  readonly shares: ShareLeases;

  /** Deletes published rows whose push_completed_at is older than the retention; returns how many. */
  cleanup(retentionMs: number): Promise<number>;

  /** Reclaims disk: VACUUM on PostgreSQL, OPTIMIZE TABLE on MySQL. */
  optimize(): Promise<void>;

  status(): Promise<StoreStatus>;

  /** Returns errored rows to the queue (errored = 0, push_attempts = 0, claim cleared); returns how many. */
  requeue(ids: string[] | 'all'): Promise<number>;

  /**
   * Tries to become the one relay publishing this table (a session lock held on a dedicated connection).
   * Resolves to null at once when another relay holds it.
   */
  acquireLeadership(): Promise<Leadership | null>;

  /**
   * PostgreSQL: LISTENs for the notification the migrations' insert trigger sends and calls `onWake` for
   * each; resolves to a function that stops listening. MySQL has no such thing, and a PostgreSQL store
   * configured without the trigger (notifyOnInsert false) does not listen: both resolve to undefined.
   */
  listen(onWake: () => void): Promise<(() => Promise<void>) | undefined>;

  /** Closes the pool, and releases a leadership and stops a listener this store still holds. */
  close(): Promise<void>;
}

export interface StoreConfig {
  driver: Driver;
  host: string;
  port: number;
  user: string;
  /** Never logged: keep it out of error messages too. */
  password: string;
  /** The setting the password came from (DB_PASS or DB_PASS_FILE), named when the server refuses it. */
  passwordFrom?: string;
  database: string;
  table: string;
  /** The TLS mode and the PEM files (DB_TLS_*). */
  tls: DatabaseTls;
  /** Connections in the pool (the leadership and LISTEN connections are extra). */
  poolSize: number;
  /**
   * PostgreSQL: whether the outbox table keeps the trigger that notifies the relay at each committed insert
   * (migrate() creates or drops it to match) and the relay listens for it. Default true; ignored on MySQL.
   */
  notifyOnInsert?: boolean;
}
