// What a relay does when it takes rows over (the lead after a crash or at start, or shares from another
// relay), before it reads them: it reads back what the topics of the pending rows received since the
// oldest of them was made, and marks exactly the rows whose messages are there (this table's, by the
// outbox-source header), without sending them again. So a relay killed between Kafka's acknowledgement
// and its mark causes no duplicate. It never marks by a high-water mark: a row with a lower id that was
// held back, failed or requeued is not in Kafka, is not found, and is sent.
//
// The window starts at the oldest pending row's age, less a margin for the clocks of the database, the
// relay and the broker, and reaches back READ_BACK_LIMIT_MS at most. A read-back that fails or is cut off
// is logged and the rows are sent: duplicates are then possible, never a loss.
import { randomUUID } from 'node:crypto';
import type { Fence, ShareLease } from '../db/shares.js';
import type { FenceFn } from '../kafka/transactions.js';
import type { OutboxStore } from '../db/store.js';
import type { Logger } from '../logger.js';
import type { RelayMetrics } from '../metrics.js';

/** Slack for the clocks of the database (created_at), the relay and the broker (message timestamps). */
export const CLOCK_MARGIN_MS = 60_000;
/** The furthest back a read-back looks: a row sent earlier and never marked may be sent again. */
export const READ_BACK_LIMIT_MS = 60 * 60_000;
/** Ids per fenced mark statement. */
const MARK_CHUNK = 5_000;

export interface ReadBackRequest {
  topics: string[];
  sinceMs: number;
  sinceByTopic?: Readonly<Record<string, number>>;
  source: string;
  /** Aborted when the relay stops: the read-back ends at once, nothing is marked. */
  signal?: AbortSignal;
}

export interface ReadBackFound {
  ids: string[];
  messages: number;
  ms: number;
}

export type ReadBackFn = (request: ReadBackRequest) => Promise<ReadBackFound>;

export interface TakeOverDeps {
  store: OutboxStore;
  readBack?: ReadBackFn;
  log: Logger;
  metrics?: RelayMetrics;
  now: () => number;
  /** Aborted when the relay stops. */
  signal?: AbortSignal;
}

/** The deps from a relay's own, whose readBack and metrics may be undefined. */
export function takeOverDeps(deps: {
  store: OutboxStore;
  log: Logger;
  now: () => number;
  readBack?: ReadBackFn | undefined;
  metrics?: RelayMetrics | undefined;
  signal?: AbortSignal | undefined;
}): TakeOverDeps {
  const { readBack, metrics, signal, ...rest } = deps;
  return { ...rest, ...(readBack && { readBack }), ...(metrics && { metrics }), ...(signal && { signal }) };
}

/** Marks the pending rows (of `shares`, fenced) that Kafka already has; returns how many it marked. */
export async function markWhatKafkaHas(
  deps: TakeOverDeps,
  shares?: readonly number[],
  fence?: Fence,
): Promise<number> {
  const { store, readBack, log } = deps;
  if (!readBack) return 0;
  const pending = await store.pendingSince(shares);
  if (pending.pending === 0 || pending.topics.length === 0) return 0;
  // Each topic from its own oldest pending row: a row held since long on one topic (missing, say) must
  // not make every other topic's window as long.
  const since = (ageMs: number | null | undefined) =>
    Math.floor(deps.now() - Math.min(READ_BACK_LIMIT_MS, (ageMs ?? READ_BACK_LIMIT_MS) + CLOCK_MARGIN_MS));
  const byTopic = pending.oldestAgeByTopic ?? {};
  const request = {
    topics: pending.topics,
    sinceMs: since(pending.oldestAgeMs),
    sinceByTopic: Object.fromEntries(
      pending.topics.map((t) => [t, since(byTopic[t] ?? pending.oldestAgeMs)]),
    ),
    source: await store.identity(),
    ...(deps.signal && { signal: deps.signal }),
  };
  let found: ReadBackFound;
  try {
    found = await readBack(request);
  } catch (error) {
    if (deps.signal?.aborted) return 0;
    log.warn({ err: error, topics: pending.topics }, 'read-back failed; rows Kafka may have are sent again');
    deps.metrics?.retries.inc({ database: store.database, operation: 'read-back' });
    return 0;
  }
  let marked = 0;
  const batchId = randomUUID();
  for (let i = 0; i < found.ids.length; i += MARK_CHUNK) {
    marked += await store.markPublished(batchId, found.ids.slice(i, i + MARK_CHUNK), fence);
  }
  deps.metrics?.readBackMarked.inc({ database: store.database }, marked);
  log.info(
    { pending: pending.pending, messages: found.messages, found: found.ids.length, marked, ms: found.ms },
    marked > 0
      ? 'marked the rows Kafka already had, without sending them again'
      : 'read back: nothing to mark',
  );
  return marked;
}

/**
 * Shares taken from other owners: each owner's Kafka producer fenced first (with `fence`: nothing of theirs
 * can land after the read-back's offsets are read), then what Kafka has of the shares marked. The `stale`
 * owners (of other ended leases, no longer live) are fenced as well: a transaction one of them left open
 * would hold the last stable offset, the read-back's end, below what the previous owners committed.
 */
export async function takeOverShares(
  deps: TakeOverDeps,
  taken: { lease: ShareLease; owner: string | null }[],
  member: string,
  fence?: FenceFn,
  stale: readonly string[] = [],
): Promise<number> {
  const previous = taken.map((t) => t.owner).filter((o): o is string => o !== null);
  const owners = new Set([...previous, ...stale]);
  for (const owner of fence ? owners : []) {
    const started = Date.now();
    await fence!(owner);
    const why = previous.includes(owner) ? "the previous owner's" : "a stale owner's";
    deps.log.info({ owner, ms: Date.now() - started }, `fenced ${why} Kafka producer`);
  }
  const leases = taken.map((t) => t.lease);
  return markWhatKafkaHas(
    deps,
    leases.map((l) => l.share),
    { member, leases },
  );
}
