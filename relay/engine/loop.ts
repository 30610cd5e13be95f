// The claim -> publish -> resolve loop of one database, in the manner of pg-boss's worker: a small class
// given its collaborators, so it is tested without servers. One batch at a time: the next batch is not
// claimed before the current one is resolved, because a later claim could otherwise take rows of a key
// whose earlier row is still in flight. Its idle sleep is cut short by wake() (a NOTIFY) or stop();
// stop() lets the in-flight batch finish and be resolved; abort() also gives up on resolving it (the rows
// stay claimed and are claimed again by the next leader).
import type { Claim } from '../db/store.js';
import type { Logger } from '../logger.js';
import {
  backoffDelay,
  DEFAULT_BACKOFF,
  retryTransient,
  RetryAborted,
  type BackoffOptions,
} from '../retry.js';
import type { BatchOutcome } from './publish-batch.js';

export interface LoopDeps {
  /** Claims the next batch; `first` is true for the first claim after taking leadership. */
  claim: (first: boolean) => Promise<Claim>;
  publish: (claim: Claim) => Promise<BatchOutcome>;
  /** Writes the outcome back (mark published, record failures, release). */
  resolve: (claim: Claim, outcome: BatchOutcome) => Promise<void>;
  batchSize: number;
  pollMs: number;
  logger: Logger;
  now?: () => number;
  /** Waits ms; the loop races it against wake-ups. */
  sleep?: (ms: number) => Promise<void>;
  backoff?: BackoffOptions;
  random?: () => number;
  onBatch?: (claim: Claim, outcome: BatchOutcome, seconds: number) => void;
  onRetry?: (error: unknown, what: string) => void;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export class RelayLoop {
  private running = false;
  private aborted = false;
  private done: Promise<void> | undefined;
  private wakeSleep: (() => void) | undefined;
  private woken = false;
  private transientStreak = 0;
  private readonly sleepFn: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(private readonly deps: LoopDeps) {
    this.sleepFn = deps.sleep ?? defaultSleep;
    this.now = deps.now ?? Date.now;
  }

  /** Starts the loop; the promise settles when it ends, rejecting on a programming error. */
  start(): Promise<void> {
    if (this.done) return this.done;
    this.running = true;
    this.done = this.run();
    return this.done;
  }

  /** A new row may be waiting: cut the idle sleep short (or skip the next one if a batch is running). */
  wake(): void {
    this.woken = true;
    this.wakeSleep?.();
  }

  /** Stops claiming, lets the in-flight batch finish and be resolved, and waits for the loop to end. */
  async stop(): Promise<void> {
    this.running = false;
    this.wakeSleep?.();
    await this.done?.catch(() => undefined);
  }

  /** Stops at once: nothing more is sent or resolved after the current call returns. */
  async abort(): Promise<void> {
    this.aborted = true;
    await this.stop();
  }

  private async run(): Promise<void> {
    let first = true;
    while (this.running) {
      let claim: Claim;
      try {
        claim = await this.retry(
          () => this.deps.claim(first),
          'claim',
          () => this.running,
        );
      } catch (error) {
        if (error instanceof RetryAborted) break;
        throw error;
      }
      first = false;
      if (claim.rows.length === 0) {
        await this.idle(this.deps.pollMs, true);
        continue;
      }
      const started = this.now();
      const outcome = await this.deps.publish(claim);
      try {
        await this.retry(
          () => this.deps.resolve(claim, outcome),
          'resolve',
          () => !this.aborted,
        );
      } catch (error) {
        if (error instanceof RetryAborted) break;
        throw error;
      }
      this.deps.onBatch?.(claim, outcome, (this.now() - started) / 1000);
      if (outcome.transient) {
        const delay = backoffDelay(
          this.transientStreak++,
          this.deps.backoff ?? DEFAULT_BACKOFF,
          this.deps.random,
        );
        this.deps.logger.warn(
          { err: outcome.transient, delayMs: delay },
          'Kafka unavailable; retrying the batch',
        );
        this.deps.onRetry?.(outcome.transient, 'publish');
        // A backoff is not cut short by new rows, only by stop(): an insert stream must not defeat it.
        await this.idle(delay, false);
        continue;
      }
      this.transientStreak = 0;
      const full = claim.rows.length >= this.deps.batchSize;
      const clean = outcome.published.length === claim.rows.length;
      // A full batch that all went out means more rows are likely waiting: claim again at once. A batch
      // with failures or held rows waits for the poll interval so a poison row's attempts are spread out.
      if (!(full && clean)) await this.idle(this.deps.pollMs, true);
    }
  }

  private retry<T>(fn: () => Promise<T>, what: string, active: () => boolean): Promise<T> {
    return retryTransient(fn, {
      sleep: async (ms) => {
        await this.idle(ms, false);
        return active();
      },
      active,
      options: this.deps.backoff ?? DEFAULT_BACKOFF,
      ...(this.deps.random ? { random: this.deps.random } : {}),
      onRetry: (error, attempt, delayMs) => {
        this.deps.logger.warn({ err: error, attempt, delayMs }, `${what} failed; retrying`);
        this.deps.onRetry?.(error, what);
      },
    });
  }

  /** Sleeps; stop() always cuts it short, wake() only when `wakeable`. */
  private async idle(ms: number, wakeable: boolean): Promise<void> {
    if (!this.running && !wakeable) {
      // Stopping while resolving: keep retrying the resolution (unless aborted) without waiting long.
      ms = Math.min(ms, 200);
    }
    if (!this.running && wakeable) return;
    if (wakeable && this.woken) {
      this.woken = false;
      return;
    }
    await new Promise<void>((resolve) => {
      this.wakeSleep = () => {
        if (wakeable || !this.running) resolve();
      };
      this.sleepFn(ms).then(resolve, resolve);
    });
    this.wakeSleep = undefined;
    if (wakeable) this.woken = false;
  }
}
