// A worker: takes a key from the queue, reconciles it, and decides what a failure means. Before, every
// API error came back after its backoff, so a request the API server refuses (400, 403, 404, 422) was sent
// again and again, up to every 5 minutes per resource for as long as the operator ran, refused the same way
// each time. Now only a failure a retry can help (runtime/backoff.ts isRetriable: a retriable API error, a
// network or other untyped error) comes back after its backoff. A refusal or a programming error is logged
// and counted (outbox_operator_reconcile_errors_total), and the key waits for the next change of its
// resource or of a child or Secret (the informers add it again). The user errors among refusals (a child's
// apply refused by a policy) do not get here: the controller reports them on the resource (Ready=False,
// ApplyFailed) and returns. A reconcile may ask to come back after a delay though nothing changes (the
// moment a backlog would become Stalled): the key is added again then, an earlier pending delay winning.
import type { Logger } from 'pino';
import type { OperatorMetrics } from '../metrics.js';
import { isProgrammingError, isRetriable } from '../runtime/backoff.js';
import type { WorkQueue } from '../runtime/workqueue.js';

export interface WorkerDeps {
  queue: Pick<WorkQueue, 'get' | 'done' | 'forget' | 'addRateLimited' | 'addAfter'>;
  reconcile: (key: string) => Promise<{ requeueAfterMs?: number } | void>;
  metrics: Pick<OperatorMetrics, 'reconciles' | 'reconcileErrors' | 'reconcileDuration'>;
  log: Logger;
}

/** Works until the queue shuts down. */
export async function runWorker(d: WorkerDeps): Promise<void> {
  for (;;) {
    const key = await d.queue.get();
    if (key === undefined) return;
    await processKey(d, key);
  }
}

/** One reconcile of one key taken from the queue; never throws. */
export async function processKey(d: WorkerDeps, key: string): Promise<void> {
  const end = d.metrics.reconcileDuration.startTimer();
  try {
    const result = await d.reconcile(key);
    d.queue.forget(key);
    if (result?.requeueAfterMs !== undefined) d.queue.addAfter(key, result.requeueAfterMs);
    d.metrics.reconciles.inc({ result: 'success' });
  } catch (err) {
    d.metrics.reconciles.inc({ result: 'error' });
    d.metrics.reconcileErrors.inc();
    handleFailure(d, key, err);
  } finally {
    end();
    d.queue.done(key);
  }
}

function handleFailure(d: WorkerDeps, key: string, err: unknown): void {
  if (isRetriable(err)) {
    const delayMs = d.queue.addRateLimited(key);
    d.log.warn({ err, outboxrelay: key, delayMs }, 'reconcile failed; retrying with backoff');
    return;
  }
  // Its next attempt, on a change, starts its backoff afresh.
  d.queue.forget(key);
  d.log.error(
    { err, outboxrelay: key, retrying: false },
    isProgrammingError(err)
      ? 'reconcile failed on a programming error; not retried'
      : 'reconcile refused by the API server; not retried until the resource changes',
  );
}
