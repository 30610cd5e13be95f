// A keyed work queue in the manner of client-go's: a key waits at most once (de-duplicated), is never
// handed to two workers at once (a key added while in progress is queued again when it is done), and
// failures come back after a per-key exponential backoff, also bounded by an overall token bucket.
import { backoffDelay, type BackoffOptions } from './backoff.js';
import type { Clock } from './clock.js';

export interface WorkQueueOptions {
  clock: Clock;
  backoff: BackoffOptions;
  /** Overall retry rate (tokens per second) and burst. */
  ratePerSecond: number;
  burst: number;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, { at: number; handle: unknown }>();
  private readonly waiters: Array<(key: string | undefined) => void> = [];
  private tokens: number;
  private tokensAt: number;
  private shuttingDown = false;

  constructor(private readonly options: WorkQueueOptions) {
    this.tokens = options.burst;
    this.tokensAt = options.clock.now();
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.push(key);
  }

  /** Adds the key after a delay; an earlier pending delay for the same key wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const at = this.options.clock.now() + ms;
    const existing = this.timers.get(key);
    if (existing && existing.at <= at) return;
    if (existing) this.options.clock.clearTimeout(existing.handle);
    const handle = this.options.clock.setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    this.timers.set(key, { at, handle });
  }

  /** Adds the key again after its backoff: the longer it keeps failing, the longer it waits. */
  addRateLimited(key: string): number {
    const attempt = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, attempt);
    const delay = Math.max(backoffDelay(attempt, this.options.backoff), this.bucketDelay());
    this.addAfter(key, delay);
    return delay;
  }

  /** Forgets a key's failures (after a success). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  failuresOf(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** The next key to work on, or undefined once the queue is shut down. */
  get(): Promise<string | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) return Promise.resolve(this.take(key));
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) this.push(key);
  }

  len(): number {
    return this.queue.length;
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const { handle } of this.timers.values()) this.options.clock.clearTimeout(handle);
    this.timers.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  private push(key: string): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter(this.take(key));
    else this.queue.push(key);
  }

  private take(key: string): string {
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }

  // Token bucket: with many keys failing at once, retries together stay under ratePerSecond.
  private bucketDelay(): number {
    const now = this.options.clock.now();
    this.tokens = Math.min(
      this.options.burst,
      this.tokens + ((now - this.tokensAt) / 1000) * this.options.ratePerSecond,
    );
    this.tokensAt = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.options.ratePerSecond) * 1000);
  }
}
