// What the relay loop (loop.ts) is given: its collaborators, its settings and its observers.
import type { Claim } from '../db/store.js';
import type { Logger } from '../logger.js';
import type { BackoffOptions } from '../retry.js';
import type { BatchOutcome } from './publish-batch.js';

/** `B` is the loop's batch: a Claim, or one that carries more of its own (its resolution). */
export interface LoopDeps<B extends Claim = Claim> {
  /**
   * Reads the next batch of at most `limit` rows, leaving out `exclude` (rows sent or being sent and not
   * yet marked); `first` is true for the first claim after taking leadership.
   */
  claim: (first: boolean, exclude: readonly string[], limit: number) => Promise<B>;
  publish: (claim: B) => Promise<BatchOutcome>;
  /** Writes the outcome back (mark published, record failures). Called once per batch, then retried. */
  resolve: (claim: B, outcome: BatchOutcome) => Promise<void>;
  /** The rows of a read without a backlog. */
  batchSize: number;
  /** The most rows a read grows to while reads come back full (default batchSize: no growth). */
  maxBatchSize?: number;
  pollMs: number;
  /** Least time between the starts of two claims read from scratch (default 0). */
  coalesceMs?: number;
  logger: Logger;
  now?: () => number;
  /** Waits ms; the loop races it against wake-ups. */
  sleep?: (ms: number) => Promise<void>;
  backoff?: BackoffOptions;
  random?: () => number;
  onBatch?: (claim: B, outcome: BatchOutcome, seconds: number) => void;
  onRetry?: (error: unknown, what: string) => void;
  /** The loop is making progress: called as each round and each sleep starts (liveness). */
  onProgress?: () => void;
}
