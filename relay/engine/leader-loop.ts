// The loop of a leader (engine/loop.ts, given this database's store): the reads leave out the held topics,
// each batch's outcome updates them, and each batch carries its own resolution, since a batch's marking
// can still be retrying while the next one is published.
import type { Claim, OutboxStore } from '../db/store.js';
import type { Logger } from '../logger.js';
import type { RelayMetrics } from '../metrics.js';
import type { HeldTopics, HeldTopicsChange } from './held-topics.js';
import { RelayLoop } from './loop.js';
import type { BatchOutcome } from './publish-batch.js';
import { createResolver, type Resolver } from './resolve-batch.js';

/**
 * Least time between two claims started by wake-ups. On PostgreSQL every insert notifies; without it, a
 * steady insert stream costs a claim and a mark for every row or two. 5 ms bounds the claims to 200 a
 * second (several rows each at 1,000 rows/s) and adds at most 5 ms to a row's way out.
 */
export const WAKE_COALESCE_MS = 5;

export interface LeaderLoopContext {
  store: OutboxStore;
  publish: (rows: Claim['rows']) => Promise<BatchOutcome>;
  metrics?: RelayMetrics;
  log: Logger;
  batchSize: number;
  maxBatchSize?: number;
  pollMs: number;
  claimTimeoutMs: number;
  maxAttempts: number;
  coalesceMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now: () => number;
  held: HeldTopics;
  progress: () => void;
}

/** A claim with the resolver that writes its outcome back (it remembers which of its steps are done). */
export interface Batch extends Claim {
  resolution: Resolver;
}

const topicsOf = (claim: Claim) => claim.rows.map((r) => r.topic);

export type LeaderLoop = RelayLoop<Batch>;

export function leaderLoop(ctx: LeaderLoopContext): LeaderLoop {
  const { store, metrics, log } = ctx;
  const database = store.database;
  return new RelayLoop<Batch>({
    claim: (first, exclude, limit) => claimBatch(ctx, first, exclude, limit),
    publish: async (batch) => {
      const outcome = await ctx.publish(batch.rows);
      reportHeld(ctx, ctx.held.record(topicsOf(batch), outcome));
      return outcome;
    },
    resolve: (batch, outcome) => batch.resolution(batch, outcome),
    batchSize: ctx.batchSize,
    ...(ctx.maxBatchSize ? { maxBatchSize: ctx.maxBatchSize } : {}),
    pollMs: ctx.pollMs,
    coalesceMs: ctx.coalesceMs ?? WAKE_COALESCE_MS,
    logger: log,
    now: ctx.now,
    ...(ctx.sleep ? { sleep: ctx.sleep } : {}),
    onBatch: (_batch, _outcome, seconds) => metrics?.batchDuration.observe({ database }, seconds),
    onRetry: (_error, operation) => metrics?.retries.inc({ database, operation }),
    onProgress: ctx.progress,
  });
}

/**
 * The next batch. The first after taking the lead clears the claims a previous publisher left; a read
 * that finds room to spare releases the held topics due for a look that it did not meet.
 */
async function claimBatch(
  ctx: LeaderLoopContext,
  first: boolean,
  exclude: readonly string[],
  limit: number,
): Promise<Batch> {
  const { store, log } = ctx;
  if (first) {
    const cleared = await store.clearClaims();
    if (cleared > 0) log.info({ rows: cleared }, 'cleared the claims a previous publisher left');
  }
  const due = ctx.held.due();
  const claim = await store.claim(limit, ctx.claimTimeoutMs, exclude, ctx.held.excluded());
  if (due.length > 0 && exclude.length === 0 && claim.rows.length < limit) {
    reportHeld(ctx, ctx.held.releaseAbsent(due, topicsOf(claim)));
  }
  const resolution = createResolver({ store, maxAttempts: ctx.maxAttempts, log, metrics: ctx.metrics });
  return { ...claim, resolution };
}

/** Logs and counts the topics held and released. */
function reportHeld(ctx: LeaderLoopContext, change: HeldTopicsChange): void {
  const { held, log } = ctx;
  for (const { topic, reason } of change.held) {
    log.warn({ topic, reason }, 'topic held: its rows wait, uncounted, until it exists and may be written');
  }
  for (const { topic, heldMs } of change.released) {
    log.info({ topic, heldMs }, 'topic no longer held');
  }
  if (change.held.length + change.released.length > 0) {
    ctx.metrics?.heldTopics.set({ database: ctx.store.database }, held.size);
  }
}
