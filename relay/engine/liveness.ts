// Whether the relay's own machinery still moves, for /livez: each database's relay shows progress as each
// round of its loop and each of its sleeps begins (and as it tries to take the lead while standing by).
// Nothing else counts: a database or Kafka that does not answer is readiness (/readyz), and a restart
// would not bring it back; the relay waits it out by retrying, and its retries' sleeps are progress.
//
// The bound is the longest the loop may legitimately go without a round or a sleep beginning: its
// longest sleep (the poll interval, or the longest retry backoff), then one round, which reads topic
// metadata and sends (each bounded by the Kafka send timeout: two of them) and runs a few statements (the
// margin). With the defaults: max(500 ms, 5 s) + 2 x 30 s + 60 s = 125 s, more than a 2-minute outage
// of either server: a loop waiting on a connection that is cut is not stuck. Beyond the bound something
// hangs that retrying does not reach, and a restart is what helps.
import { DEFAULT_BACKOFF } from '../retry.js';

export const LIVENESS_MARGIN_MS = 60_000;

export interface LivenessBoundOptions {
  pollMs: number;
  sendTimeoutMs: number;
  /** The longest retry backoff (default: the retry module's). */
  backoffMaxMs?: number;
}

export function livenessBoundMs(options: LivenessBoundOptions): number {
  const longestSleep = Math.max(options.pollMs, options.backoffMaxMs ?? DEFAULT_BACKOFF.maxMs);
  return longestSleep + 2 * options.sendTimeoutMs + LIVENESS_MARGIN_MS;
}

export interface LoopProgress {
  database: string;
  /** When it last showed progress (epoch ms); undefined when it is not running (starting, stopped). */
  at: number | undefined;
}

export interface Liveness {
  live: boolean;
  /** The loops beyond the bound, with how long they have gone without progress. */
  stuck: { database: string; sinceMs: number }[];
}

export function checkLiveness(loops: readonly LoopProgress[], now: number, boundMs: number): Liveness {
  const stuck = loops
    .filter((l): l is { database: string; at: number } => l.at !== undefined && now - l.at > boundMs)
    .map((l) => ({ database: l.database, sinceMs: now - l.at }));
  return { live: stuck.length === 0, stuck };
}

/** The body of /livez: one line per stuck loop. */
export function describeLiveness(liveness: Liveness, boundMs: number): string {
  if (liveness.live) return 'live\n';
  return liveness.stuck
    .map(
      (s) =>
        `stuck: the relay of database ${s.database} made no progress for ${Math.round(s.sinceMs / 1000)} s (bound ${Math.round(boundMs / 1000)} s)\n`,
    )
    .join('');
}

/** /livez for these database relays now: whether they all still move, and the text saying so. */
export function livenessReport(
  relays: readonly { database: string; lastProgressAt(): number | undefined }[],
  boundMs: number,
  now = Date.now(),
): { live: boolean; text: string } {
  const liveness = checkLiveness(
    relays.map((r) => ({ database: r.database, at: r.lastProgressAt() })),
    now,
    boundMs,
  );
  return { live: liveness.live, text: describeLiveness(liveness, boundMs) };
}
