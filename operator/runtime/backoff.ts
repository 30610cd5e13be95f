// The one retry/backoff module: exponential with full jitter, capped, and which failures a retry can help.
// Used by the work queue (per key), the informer restarts and the leader elector's retries.
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** 0 = no jitter; 1 = anywhere between half and the full delay. */
  jitter?: number;
  random?: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 60_000, jitter: 0.2 };

/** The delay before retry number `attempt` (1 for the first retry). */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  const exp = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
  const jitter = options.jitter ?? 0;
  if (jitter === 0) return exp;
  const random = options.random ?? Math.random;
  return Math.round(exp * (1 - (jitter * random()) / 2));
}

/** A bug in our code: run again on the same input, it fails the same way. */
export function isProgrammingError(err: unknown): boolean {
  return (
    err instanceof TypeError ||
    err instanceof RangeError ||
    err instanceof ReferenceError ||
    err instanceof SyntaxError
  );
}

/**
 * Whether a retry can help. A typed error says so itself (`retriable`: KubeApiError, ConfigError); a
 * programming error never; any other error (a socket's, a file's, one with no type of ours) is taken as
 * transient.
 */
export function isRetriable(err: unknown): boolean {
  if (isProgrammingError(err)) return false;
  const retriable = (err as { retriable?: unknown } | null | undefined)?.retriable;
  return typeof retriable === 'boolean' ? retriable : true;
}
