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
// later rows of the same keys. The outbox-id header makes duplicates recognisable.
//
// Topics held (missing, or not writable: engine/held-topics.ts) are this relay's to know: the reads leave
// them out, heldTopics() lists them for a status report and outbox_relay_held_topics counts them.
import type { Claim, Leadership, OutboxStore } from '../db/store.js';
import type { Logger } from '../logger.js';
import type { RelayMetrics } from '../metrics.js';
import { retryTransient, RetryAborted } from '../retry.js';
import { HeldTopics, type HeldTopicsChange, type HeldTopicStatus } from './held-topics.js';
import { RelayLoop } from './loop.js';
import type { BatchOutcome } from './publish-batch.js';
import { createResolver, type Resolver } from './resolve-batch.js';

export const TAKEOVER_DELAY_MS = 1100;

/**
 * Least time between two claims started by wake-ups. On PostgreSQL every insert notifies; without it, a
 * steady insert stream costs a claim and a mark for every row or two. 5 ms bounds the claims to 200 a
 * second (several rows each at 1,000 rows/s) and adds at most 5 ms to a row's way out.
 */
export const WAKE_COALESCE_MS = 5;

export interface DatabaseRelayDeps {
  store: OutboxStore;
  publish: (rows: Claim['rows']) => Promise<BatchOutcome>;
  metrics?: RelayMetrics;
  logger: Logger;
  batchSize: number;
  pollMs: number;
  claimTimeoutMs: number;
  maxAttempts: number;
  /** Least time between two claims started by wake-ups (see WAKE_COALESCE_MS). */
  coalesceMs?: number;
  /** How often a standby relay tries to take over. */
  standbyRetryMs?: number;
  /** Wait between taking leadership and the first claim (see TAKEOVER_DELAY_MS). */
  takeoverDelayMs?: number;
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
}

interface LoopContext {
  deps: DatabaseRelayDeps;
  log: Logger;
  now: () => number;
  held: HeldTopics;
  progress: () => void;
}

/** Logs and counts the topics held and released. */
function reportHeld(ctx: LoopContext, change: HeldTopicsChange): void {
  const { held, log } = ctx;
  for (const { topic, reason } of change.held) {
    log.warn({ topic, reason }, 'topic held: its rows wait, uncounted, until it exists and may be written');
  }
  for (const { topic, heldMs } of change.released) {
    log.info({ topic, heldMs }, 'topic no longer held');
  }
  if (change.held.length + change.released.length > 0) {
    ctx.deps.metrics?.heldTopics.set({ database: ctx.deps.store.database }, held.size);
  }
}

const topicsOf = (claim: Claim) => claim.rows.map((r) => r.topic);

/** The loop of a leader: reads leave out the held topics, each batch's outcome updates them. */
function leaderLoop(ctx: LoopContext): RelayLoop {
  const { deps, log } = ctx;
  const { store, metrics } = deps;
  const database = store.database;
  // One resolver per batch: a batch's marking can still be retrying while the next one is published.
  const resolvers = new WeakMap<Claim, Resolver>();
  return new RelayLoop({
    claim: async (first, exclude) => {
      if (first) {
        const cleared = await store.clearClaims();
        if (cleared > 0) log.info({ rows: cleared }, 'cleared the claims a previous publisher left');
      }
      const due = ctx.held.due();
      const claim = await store.claim(deps.batchSize, deps.claimTimeoutMs, exclude, ctx.held.excluded());
      if (due.length > 0 && exclude.length === 0 && claim.rows.length < deps.batchSize) {
        reportHeld(ctx, ctx.held.releaseAbsent(due, topicsOf(claim)));
      }
      return claim;
    },
    publish: async (claim) => {
      resolvers.set(claim, createResolver({ store, maxAttempts: deps.maxAttempts, log, metrics }));
      const outcome = await deps.publish(claim.rows);
      reportHeld(ctx, ctx.held.record(topicsOf(claim), outcome));
      return outcome;
    },
    resolve: (claim, outcome) => resolvers.get(claim)!(claim, outcome),
    batchSize: deps.batchSize,
    pollMs: deps.pollMs,
    coalesceMs: deps.coalesceMs ?? WAKE_COALESCE_MS,
    logger: log,
    now: ctx.now,
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
    onBatch: (_claim, _outcome, seconds) => metrics?.batchDuration.observe({ database }, seconds),
    onRetry: (_error, operation) => metrics?.retries.inc({ database, operation }),
    onProgress: ctx.progress,
  });
}

export function createDatabaseRelay(deps: DatabaseRelayDeps): DatabaseRelay {
  const { store } = deps;
  const database = store.database;
  const log = deps.logger.child({ component: 'relay', database });
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref()));
  const now = deps.now ?? Date.now;
  const held = new HeldTopics({ pollMs: deps.pollMs, now });
  let stopping = false;
  let loop: RelayLoop | undefined;
  let leader = false;
  let cutStandby: (() => void) | undefined;
  let done: Promise<void> | undefined;
  let progressAt: number | undefined;
  const progress = () => void (progressAt = now());

  async function lead(leadership: Leadership): Promise<void> {
    leader = true;
    deps.metrics?.leader.set({ database }, 1);
    deps.metrics?.heldTopics.set({ database }, 0);
    log.info('leading: publishing this database');
    const current = leaderLoop({ deps, log, now, held, progress });
    loop = current;
    let unlisten: (() => Promise<void>) | undefined;
    try {
      await standby(deps.takeoverDelayMs ?? TAKEOVER_DELAY_MS);
      if (stopping) return;
      unlisten = await store
        .listen(() => current.wake())
        .catch((error: unknown) => {
          log.warn({ err: error }, 'cannot LISTEN; polling only');
          return undefined;
        });
      let lost = false;
      const running = current.start();
      await Promise.race([running, leadership.lost.then(() => (lost = true))]);
      if (lost && !stopping) {
        log.error('leadership lost (database session ended); stopping at once');
        await current.abort();
      } else {
        await current.stop();
      }
      await running;
    } finally {
      leader = false;
      loop = undefined;
      held.clear();
      deps.metrics?.leader.set({ database }, 0);
      deps.metrics?.heldTopics.set({ database }, 0);
      await unlisten?.().catch(() => undefined);
      await leadership.release().catch(() => undefined);
    }
  }

  async function standby(ms: number): Promise<void> {
    progress();
    await new Promise<void>((resolve) => {
      cutStandby = resolve;
      void sleep(ms).then(resolve);
    });
    cutStandby = undefined;
  }

  async function run(): Promise<void> {
    let announced = false;
    while (!stopping) {
      progress();
      let leadership: Leadership | null;
      try {
        leadership = await retryTransient(() => store.acquireLeadership(), {
          active: () => !stopping,
          sleep: async (ms) => (await standby(ms), !stopping),
          onRetry: (error) => {
            log.warn({ err: error }, 'database unavailable; retrying');
            deps.metrics?.retries.inc({ database, operation: 'leadership' });
          },
        });
      } catch (error) {
        if (error instanceof RetryAborted) break;
        throw error;
      }
      if (leadership) {
        announced = false;
        await lead(leadership);
      } else {
        if (!announced) log.info('another relay publishes this database; standing by');
        announced = true;
        deps.metrics?.leader.set({ database }, 0);
        await standby(deps.standbyRetryMs ?? 3000);
      }
    }
  }

  return {
    database,
    run() {
      done ??= run().finally(() => (progressAt = undefined));
      return done;
    },
    async stop() {
      stopping = true;
      cutStandby?.();
      await loop?.stop();
      await done?.catch(() => undefined);
    },
    async abort() {
      stopping = true;
      cutStandby?.();
      await loop?.abort();
    },
    isLeader: () => leader,
    heldTopics: () => held.list(),
    lastProgressAt: () => progressAt,
  };
}
