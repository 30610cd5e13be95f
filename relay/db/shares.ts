// Shares: the key space of one outbox table divided into SHARE_COUNT buckets by a hash of each row's
// ordering key (its partition key, else its key), computed by the database itself (an index expression on
// PostgreSQL, an indexed virtual column on MySQL/MariaDB). Rows without any key are spread by id. Every row
// of one ordering key is in one share, so per-key order only needs one publisher per share at a time.
//
// In shared mode each relay holds leases on some of the shares, one row per share in <table>_relay_shares:
// the owner, an epoch that grows by one at every change of owner, and the lease's end by the database's
// clock. A relay that is alive records itself in <table>_relay_members. A lease is taken only when it is
// free (released by its owner after its in-flight batches were marked) or ended more than a grace period
// ago (the bound on a send still in flight), and every mark and failure count of a shared relay is fenced:
// it writes only rows of shares whose lease (owner and epoch) it still holds, unexpired.

/** How many shares a table is divided into: also the most relays that can publish one table at once. */
export const SHARE_COUNT = 64;

export interface ShareLease {
  share: number;
  /** The lease's epoch, as a decimal string (a bigint). */
  epoch: string;
}

export interface ShareRecord {
  share: number;
  /** The member holding it, or null when free. */
  owner: string | null;
  epoch: string;
  /** Milliseconds until its lease ends by the database's clock (negative once ended); null when free. */
  leaseRemainingMs: number | null;
}

export interface ShareView {
  /** The members whose heartbeat has not ended, sorted. */
  members: string[];
  /** Every share, in share order. */
  shares: ShareRecord[];
}

/** What a fenced write must still hold: it touches only rows of these shares, held unexpired by `member`. */
export interface Fence {
  member: string;
  leases: readonly ShareLease[];
}

/** What a relay taking shares reads back from Kafka: the topics of their pending rows and how old they are. */
export interface PendingSince {
  /** The distinct topics of the pending rows. */
  topics: string[];
  /** The age of the oldest pending row's created_at by the database's clock, or null when none has one. */
  oldestAgeMs: number | null;
  /** How many rows are pending. */
  pending: number;
  /** Per topic, the age of its oldest pending row (topics without a created_at left out). */
  oldestAgeByTopic?: Readonly<Record<string, number>>;
}

/** The lease table's operations. Every time is the database's clock. */
export interface ShareLeases {
  /**
   * Records `member` as live until now + leaseMs (insert or update), creates the share rows if missing,
   * and returns the members still live and every share.
   */
  heartbeat(member: string, leaseMs: number): Promise<ShareView>;
  /**
   * Takes `share` if its epoch is still `epoch` and it is free or its lease ended more than `graceMs` ago:
   * owner = member, epoch + 1, lease until now + leaseMs. Returns the new lease, or null when it was not
   * taken.
   */
  acquire(
    member: string,
    share: number,
    epoch: string,
    leaseMs: number,
    graceMs: number,
  ): Promise<ShareLease | null>;
  /** Extends the leases `member` still holds (same epoch, not ended) to now + leaseMs; returns those extended. */
  renew(member: string, leases: readonly ShareLease[], leaseMs: number): Promise<ShareLease[]>;
  /** Frees the leases `member` still holds (same epoch): owner null, the epoch kept. */
  release(member: string, leases: readonly ShareLease[]): Promise<void>;
  /** Removes `member`'s heartbeat row (it is leaving). */
  leave(member: string): Promise<void>;
}
