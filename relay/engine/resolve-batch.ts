// Writes a batch's outcome back to its database: the published rows marked, a permanent failure counted
// against each failed row (errored at the last attempt). Each step runs once even when a later one fails
// and the whole resolution is retried, so that a failure is never counted twice. Parked and released rows
// are not written at all: they stay in the queue as they were.
import type { Claim, OutboxStore } from '../db/store.js';
import type { Logger } from '../logger.js';
import type { RelayMetrics } from '../metrics.js';
import type { BatchOutcome } from './publish-batch.js';

export interface ResolverDeps {
  store: OutboxStore;
  maxAttempts: number;
  log: Logger;
  metrics?: RelayMetrics;
}

export type Resolver = (claim: Claim, outcome: BatchOutcome) => Promise<void>;

/** A resolver for one batch (it remembers which of its steps are done). */
export function createResolver(deps: ResolverDeps): Resolver {
  const { store, log } = deps;
  const database = store.database;
  const finished = new Set<string>();
  return async (claim, outcome) => {
    if (!finished.has('published') && outcome.published.length > 0) {
      await store.markPublished(claim.batchId, outcome.published);
      deps.metrics?.published.inc({ database }, outcome.published.length);
    }
    finished.add('published');
    if (!finished.has('failures') && outcome.failures.length > 0) {
      const errored = await store.recordPermanentFailures(claim.batchId, outcome.failures, deps.maxAttempts);
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
