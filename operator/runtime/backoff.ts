// The one backoff module: exponential with full jitter, capped. Used by the work queue (per key), the
// informer restarts and the leader elector's retries.
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
