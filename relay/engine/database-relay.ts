// One database's relay: leadership, then the loop. Per database, one relay at a time publishes a table
// (a session lock held through OutboxStore.acquireLeadership): per-key order across replicas would
// otherwise need a lock per key, and one batched producer already goes as fast as the broker allows.
// The others stand by and try again every few seconds, taking over when the holder's session ends.
//
// The leader reads its batches without claiming the rows (OutboxStore.claim writes nothing): holding the
// lock is what keeps other relays away. A new leader first clears the claims an earlier publisher left on
// unpublished rows (an earlier version of this relay, or the Go relay, stamps rows when it claims them), so
// that no such row waits out CLAIM_TIMEOUT_MS while later rows of its key go out. Later reads still skip
// rows stamped within CLAIM_TIMEOUT_MS, for a publisher of that kind running beside this one.
//
// The first read waits a moment after the takeover (TAKEOVER_DELAY_MS): the previous holder stops
// publishing when it notices its session is gone, and a produce request it had in flight may still land;
// waiting lets it land before its rows are read and sent again, so that the duplicate does not come after
// later rows of the same keys. Then it reads Kafka back (take-over.ts) and marks the rows the previous
// holder sent and did not mark, instead of sending them again; the outbox-id header makes any duplicate
// that remains (a read-back that failed) recognisable.
//
// Topics held (missing, or not writable: engine/held-topics.ts) are this relay's to know: the reads leave
// them out, heldTopics() lists them for a status report and outbox_relay_held_topics counts them.
import type { Claim, Leadership, OutboxStore } from '../db/store.js';
import type { Logger } from '../logger.js';
import type { RelayMetrics } from '../metrics.js';
import { retryTransient, RetryAborted, sleep } from '../retry.js';
import { HeldTopics, type HeldTopicStatus } from './held-topics.js';
import { leaderLoop, type LeaderLoop } from './leader-loop.js';
import type { BatchOutcome } from './publish-batch.js';
import { markWhatKafkaHas, type ReadBackFn } from './take-over.js';

export { WAKE_COALESCE_MS } from './leader-loop.js';

export const TAKEOVER_DELAY_MS = 1100;

export interface DatabaseRelayDeps {
  store: OutboxStore;
  publish: (rows: Claim['rows']) => Promise<BatchOutcome>;
  metrics?: RelayMetrics;
  logger: Logger;
  batchSize: number;
  /** The most rows a read grows to under a backlog (engine/batch-size.ts). */
  maxBatchSize?: number;
  pollMs: number;
  claimTimeoutMs: number;
  maxAttempts: number;
  /** Least time between two claims started by wake-ups (see WAKE_COALESCE_MS). */
  coalesceMs?: number;
  /** How often a standby relay tries to take over. */
  standbyRetryMs?: number;
  /** Wait between taking leadership and the first claim (see TAKEOVER_DELAY_MS). */
  takeoverDelayMs?: number;
  /** Reads Kafka back at a takeover (take-over.ts); absent: rows sent and not marked are sent again. */
  readBack?: ReadBackFn;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface DatabaseRelay {
  readonly database: string;
  /** Runs until stop(); rejects on a programming error. */
  run(): Promise<void>;
  stop(): Promise<void>;
  abort(): Promise<void>;
  isLeader(): boolean;
  /** The topics whose rows this relay holds while it leads (none while it stands by). */
  heldTopics(): HeldTopicStatus[];
  /**
   * When it last showed progress (epoch ms): a round of its loop or a sleep began, or it tried to take
   * the lead. Undefined before run() and after it ended (liveness: engine/liveness.ts).
   */
  lastProgressAt(): number | undefined;
  /** Shared mode: the shares it holds and publishes (db/shares.ts); undefined in standby mode. */
  shares(): number[] | undefined;
  /**
   * Shared mode: the live members of the lease table as of its last lease round, sorted; undefined in
   * standby mode, before a first round, and once the last round is a lease old (the database unavailable).
   */
  members(): string[] | undefined;
}

export function createDatabaseRelay(deps: DatabaseRelayDeps): DatabaseRelay {
  return new LeaderOrStandby(deps);
}

/** Takes the lead when it can and publishes while it holds it; otherwise stands by and tries again. */
class LeaderOrStandby implements DatabaseRelay {
  readonly database: string;
  private readonly log: Logger;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly held: HeldTopics;
  private stopping = false;
  /** Ends a read-back at a takeover still running when it stops. */
  private readonly stopReading = new AbortController();
  private loop: LeaderLoop | undefined;
  private leader = false;
  private cutStandby: (() => void) | undefined;
  private done: Promise<void> | undefined;
  private progressAt: number | undefined;

  constructor(private readonly deps: DatabaseRelayDeps) {
    this.database = deps.store.database;
    this.log = deps.logger.child({ component: 'relay', database: this.database });
    this.sleep = deps.sleep ?? sleep;
    this.now = deps.now ?? Date.now;
    this.held = new HeldTopics({ pollMs: deps.pollMs, now: this.now });
  }

  run(): Promise<void> {
    this.done ??= this.cycle().finally(() => (this.progressAt = undefined));
    return this.done;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.cutStandby?.();
    this.stopReading.abort();
    await this.loop?.stop();
    await this.done?.catch(() => undefined);
  }

  async abort(): Promise<void> {
    this.stopping = true;
    this.cutStandby?.();
    this.stopReading.abort();
    await this.loop?.abort();
  }

  isLeader(): boolean {
    return this.leader;
  }

  heldTopics(): HeldTopicStatus[] {
    return this.held.list();
  }

  lastProgressAt(): number | undefined {
    return this.progressAt;
  }

  shares(): undefined {
    return undefined;
  }

  members(): undefined {
    return undefined;
  }

  private progress(): void {
    this.progressAt = this.now();
  }

  /** Leads whenever the lock is free, stands by while another relay holds it, until stopped. */
  private async cycle(): Promise<void> {
    let announced = false;
    while (!this.stopping) {
      this.progress();
      const leadership = await this.tryToLead();
      if (leadership === undefined) break;
      if (leadership) {
        announced = false;
        await this.lead(leadership);
      } else {
        if (!announced) this.log.info('another relay publishes this database; standing by');
        announced = true;
        this.deps.metrics?.leader.set({ database: this.database }, 0);
        await this.standby(this.deps.standbyRetryMs ?? 3000);
      }
    }
  }

  /** The lock, null while another relay holds it, undefined once stopped (a database outage is waited out). */
  private async tryToLead(): Promise<Leadership | null | undefined> {
    try {
      return await retryTransient(() => this.deps.store.acquireLeadership(), {
        active: () => !this.stopping,
        sleep: async (ms) => (await this.standby(ms), !this.stopping),
        onRetry: (error) => {
          this.log.warn({ err: error }, 'database unavailable; retrying');
          this.deps.metrics?.retries.inc({ database: this.database, operation: 'leadership' });
        },
      });
    } catch (error) {
      if (error instanceof RetryAborted) return undefined;
      throw error;
    }
  }

  /** Publishes while the lock is held; lets go of everything the lead held when it ends. */
  private async lead(leadership: Leadership): Promise<void> {
    const loop = this.enterLead();
    let unlisten: (() => Promise<void>) | undefined;
    try {
      await this.standby(this.deps.takeoverDelayMs ?? TAKEOVER_DELAY_MS);
      if (this.stopping) return;
      await this.markWhatKafkaHas();
      if (this.stopping) return;
      if (this.stopping) return;
      unlisten = await this.deps.store
        .listen(() => loop.wake())
        .catch((error: unknown) => {
          this.log.warn({ err: error }, 'cannot LISTEN; polling only');
          return undefined;
        });
      await this.publishUntilLost(loop, leadership);
    } finally {
      this.leaveLead();
      await unlisten?.().catch(() => undefined);
      await leadership.release().catch(() => undefined);
    }
  }

  /** The read-back at a takeover; a failure only means that rows Kafka has may be sent again. */
  private async markWhatKafkaHas(): Promise<void> {
    const { store, readBack, metrics } = this.deps;
    if (!readBack) return;
    const signal = this.stopReading.signal;
    const deps = { store, readBack, log: this.log, now: this.now, signal, ...(metrics && { metrics }) };
    await markWhatKafkaHas(deps).catch((error: unknown) => {
      this.log.warn({ err: error }, 'read-back failed; rows Kafka may have are sent again');
    });
  }

  private enterLead(): LeaderLoop {
    const { deps } = this;
    this.leader = true;
    deps.metrics?.leader.set({ database: this.database }, 1);
    deps.metrics?.heldTopics.set({ database: this.database }, 0);
    this.log.info('leading: publishing this database');
    this.loop = leaderLoop({
      ...deps,
      log: this.log,
      now: this.now,
      held: this.held,
      progress: () => this.progress(),
    });
    return this.loop;
  }

  private leaveLead(): void {
    this.leader = false;
    this.loop = undefined;
    this.held.clear();
    this.deps.metrics?.leader.set({ database: this.database }, 0);
    this.deps.metrics?.heldTopics.set({ database: this.database }, 0);
  }

  /** Runs the loop until stop(), or aborts it at once when the lock's session is lost. */
  private async publishUntilLost(loop: LeaderLoop, leadership: Leadership): Promise<void> {
    let lost = false;
    const running = loop.start();
    await Promise.race([running, leadership.lost.then(() => (lost = true))]);
    if (lost && !this.stopping) {
      this.log.error('leadership lost (database session ended); stopping at once');
      await loop.abort();
    } else {
      await loop.stop();
    }
    await running;
  }

  private async standby(ms: number): Promise<void> {
    this.progress();
    await new Promise<void>((resolve) => {
      this.cutStandby = resolve;
      void this.sleep(ms).then(resolve);
    });
    this.cutStandby = undefined;
  }
}
