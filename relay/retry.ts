// The one retry module: exponential backoff with full jitter and a cap, retrying only errors that say they
// are retriable (RelayError.retriable). A programming error is never retried: it is thrown at once.
import { isRetriable } from './errors.js';

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor: number;
  /** 0..1: how much of each delay is random (1 = full jitter). */
  jitter: number;
}

// The cap bounds how long a recovered server waits for the relay: at most 5 s after a database or broker
// returns, the next try reaches it (one connection attempt per 5 s is no load on a server that is down).
export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 200, maxMs: 5_000, factor: 2, jitter: 0.5 };

/** The delay before retry number `attempt` (0-based). */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
  random = Math.random,
): number {
  const base = Math.min(options.maxMs, options.initialMs * options.factor ** Math.min(attempt, 30));
  return Math.round(base * (1 - options.jitter) + base * options.jitter * random());
}

/** The relay's one sleep: a timer that does not keep the process alive. */
export function sleep(ms: number): Promise<void> {
  return new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
}

export interface RetryDeps {
  /** Waits; resolves false when the wait was cut short because the caller is stopping. */
  sleep: (ms: number) => Promise<boolean>;
  /** Whether to keep going; checked before each retry. */
  active: () => boolean;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  options?: BackoffOptions;
  random?: () => number;
}

export class RetryAborted extends Error {
  constructor(readonly lastError: unknown) {
    super('stopped while retrying', { cause: lastError });
    this.name = 'RetryAborted';
  }
}

/**
 * Runs `fn` until it succeeds, retrying retriable errors without limit (an outage never turns into data
 * loss or errored rows) until `active()` turns false, which throws RetryAborted.
 */
export async function retryTransient<T>(fn: () => Promise<T>, deps: RetryDeps): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!isRetriable(error)) throw error;
      if (!deps.active()) throw new RetryAborted(error);
      const delay = backoffDelay(attempt, deps.options, deps.random);
      deps.onRetry?.(error, attempt, delay);
      const slept = await deps.sleep(delay);
      if (!slept || !deps.active()) throw new RetryAborted(error);
    }
  }
}
