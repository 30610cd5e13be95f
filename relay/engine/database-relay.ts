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
import type { Claim, Leadership, OutboxStore } from '../db/store.js';
import type { Logger } from '../logger.js';
import type { RelayMetrics } from '../metrics.js';
import { retryTransient, RetryAborted } from '../retry.js';
import { RelayLoop } from './loop.js';
import type { BatchOutcome } from './publish-batch.js';

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
}

export interface DatabaseRelay {
  /** Runs until stop(); rejects on a programming error. */
  run(): Promise<void>;
  stop(): Promise<void>;
  abort(): Promise<void>;
  isLeader(): boolean;
}

export function createDatabaseRelay(deps: DatabaseRelayDeps): DatabaseRelay {
  const { store } = deps;
  const database = store.database;
  const log = deps.logger.child({ component: 'relay', database });
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref()));
  let stopping = false;
  let loop: RelayLoop | undefined;
  let leader = false;
  let cutStandby: (() => void) | undefined;
  let done: Promise<void> | undefined;

  function resolveBatch(): (claim: Claim, outcome: BatchOutcome) => Promise<void> {
    // Each step runs once even when a later one fails and the whole resolution is retried, so that a
    // failure is never counted twice.
    const finished = new Set<string>();
    return async (claim, outcome) => {
      if (!finished.has('published') && outcome.published.length > 0) {
        await store.markPublished(claim.batchId, outcome.published);
        deps.metrics?.published.inc({ database }, outcome.published.length);
      }
      finished.add('published');
      if (!finished.has('failures') && outcome.failures.length > 0) {
        const errored = await store.recordPermanentFailures(
          claim.batchId,
          outcome.failures,
          deps.maxAttempts,
        );
        const reasons = new Map(outcome.failures.map((f) => [f.id, f.reason]));
        for (const id of errored) log.error({ rowId: id, reason: reasons.get(id) }, 'row marked errored');
        for (const f of outcome.failures.filter((f) => !errored.includes(f.id))) {
          log.warn({ rowId: f.id, reason: f.reason }, 'row failed; it will be retried');
        }
        deps.metrics?.errored.inc({ database }, errored.length);
      }
      finished.add('failures');
    };
  }

  function newLoop(): RelayLoop {
    // One resolver per batch: a batch's marking can still be retrying while the next one is published.
    const resolvers = new WeakMap<Claim, (claim: Claim, outcome: BatchOutcome) => Promise<void>>();
    return new RelayLoop({
      claim: async (first, exclude) => {
        if (first) {
          const cleared = await store.clearClaims();
          if (cleared > 0) log.info({ rows: cleared }, 'cleared the claims a previous publisher left');
        }
        return store.claim(deps.batchSize, deps.claimTimeoutMs, exclude);
      },
      publish: (claim) => {
        resolvers.set(claim, resolveBatch());
        return deps.publish(claim.rows);
      },
      resolve: (claim, outcome) => resolvers.get(claim)!(claim, outcome),
      batchSize: deps.batchSize,
      pollMs: deps.pollMs,
      coalesceMs: deps.coalesceMs ?? WAKE_COALESCE_MS,
      logger: log,
      ...(deps.sleep ? { sleep: deps.sleep } : {}),
      onBatch: (_claim, _outcome, seconds) => deps.metrics?.batchDuration.observe({ database }, seconds),
      onRetry: (_error, operation) => deps.metrics?.retries.inc({ database, operation }),
    });
  }

  async function lead(leadership: Leadership): Promise<void> {
    leader = true;
    deps.metrics?.leader.set({ database }, 1);
    log.info('leading: publishing this database');
    const current = newLoop();
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
      deps.metrics?.leader.set({ database }, 0);
      await unlisten?.().catch(() => undefined);
      await leadership.release().catch(() => undefined);
    }
  }

  async function standby(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      cutStandby = resolve;
      void sleep(ms).then(resolve);
    });
    cutStandby = undefined;
  }

  async function run(): Promise<void> {
    let announced = false;
    while (!stopping) {
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
    run() {
      done ??= run();
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
  };
}
