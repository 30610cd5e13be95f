// What a shared relay is built from, and what it offers beside a database relay's own (shared-relay.ts).
import type { DatabaseRelay, DatabaseRelayDeps } from './database-relay.js';
import type { ReadBackFn } from './take-over.js';
import type { FenceFn } from '../kafka/transactions.js';

export interface SharedRelayDeps extends DatabaseRelayDeps {
  /** This relay's name in the lease table: unique among the relays of the table. */
  member: string;
  leaseMs: number;
  readBack?: ReadBackFn;
  /** Fences a previous owner's Kafka producer before its shares are read back (kafka/transactions.ts). */
  fence?: FenceFn;
  /** Readies the transactional producer (its epoch) before each lease check, so a fence after it holds. */
  prepareSend?: () => Promise<void>;
  /** False while its producer left a transaction open: its shares are then not given up as clean. */
  settled?: () => boolean;
  /** A monotonic clock (ms) for the leases' local deadline; default performance.now. */
  monotonic?: () => number;
}

export interface SharedDatabaseRelay extends DatabaseRelay {
  shares(): number[];
}
