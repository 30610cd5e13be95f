// Refreshes the report every REPORT_INTERVAL_MS and applies it only when it changed: at 1,000 OutboxRelays
// an unconditional write every 10 s would be 100 status writes a second, each waking the operator. A
// refresh compares the serialized report with the last one applied (build-report.ts makes an unchanged
// world serialize identically), so an idle relay writes nothing. A pod that leads no database writes only
// to release entries it may own: once after it led, and once at start (a previous process of the same pod,
// before a container restart, may have left entries under the same field manager). On a clean stop the
// entries are released; before an exit on a refused credential a final report says so (best effort).
import type { Logger } from '../logger.js';
import { retryTransient, RetryAborted, type BackoffOptions } from '../retry.js';
import { buildReport, refusedReport, type ReportInput } from './build-report.js';
import type { DatabaseReport } from './report-types.js';

export const REPORT_INTERVAL_MS = 10_000;
/** A write is tried this often before the refresh gives up on it (the next refresh tries again). */
export const WRITE_ATTEMPTS = 3;
export const WRITE_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 2000, factor: 2, jitter: 0.5 };
/** The final report and the release at stop: the process is on its way out. */
export const LAST_WRITE_TIMEOUT_MS = 3000;

export type RefreshResult = 'written' | 'unchanged' | 'throttled' | 'nothing' | 'failed';

export interface ReporterDeps {
  /** What the relay knows now: the databases it leads and Kafka's state. */
  collect: () => Promise<Pick<ReportInput, 'databases' | 'kafka'>>;
  write: (entries: readonly DatabaseReport[], timeoutMs?: number) => Promise<void>;
  podName: string;
  /** Every configured database (a final report names them all when this pod leads none). */
  databaseNames: readonly string[];
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  logger: Logger;
  intervalMs?: number;
  backoff?: BackoffOptions;
  /** Each refresh's outcome (a metric: how many were written and how many found nothing changed). */
  onRefresh?: (result: RefreshResult) => void;
}

export interface ReporterStats {
  writes: number;
  unchanged: number;
  throttled: number;
  failures: number;
}

export interface Reporter {
  refresh(): Promise<RefreshResult>;
  /** Refreshes every interval until stop() or final(). */
  run(): Promise<void>;
  /** Ends run() and releases this pod's entries. */
  stop(): Promise<void>;
  /** Ends run() and applies a last report naming the refused credential. */
  final(refused: { kafka?: string; database?: string }): Promise<void>;
  stats(): Readonly<ReporterStats>;
}

export function createReporter(deps: ReporterDeps): Reporter {
  const log = deps.logger.child({ component: 'report' });
  const interval = deps.intervalMs ?? REPORT_INTERVAL_MS;
  const stats: ReporterStats = { writes: 0, unchanged: 0, throttled: 0, failures: 0 };
  let applied: { text: string; entries: DatabaseReport[] } | undefined;
  let mayOwnEntries = true;
  let lastWriteAt: number | undefined;
  let stopped = false;
  let wake!: () => void;
  const stopping = new Promise<void>((resolve) => (wake = resolve));
  let running: Promise<void> | undefined;
  let inFlight: Promise<unknown> = Promise.resolve();

  const sleepUnlessStopped = async (ms: number) => {
    await Promise.race([deps.sleep(ms), stopping]);
    return !stopped;
  };

  async function write(entries: DatabaseReport[]): Promise<boolean> {
    let attempts = 1;
    try {
      await retryTransient(() => deps.write(entries), {
        active: () => !stopped && attempts < WRITE_ATTEMPTS,
        sleep: sleepUnlessStopped,
        options: deps.backoff ?? WRITE_BACKOFF,
        onRetry: (error) => {
          attempts++;
          log.warn({ err: error }, 'status report not written; retrying');
        },
      });
    } catch (error) {
      stats.failures++;
      const err = error instanceof RetryAborted ? error.lastError : error;
      log.warn({ err }, 'status report not written; the next refresh tries again');
      return false;
    }
    stats.writes++;
    applied = { text: JSON.stringify(entries), entries };
    mayOwnEntries = entries.length > 0;
    return true;
  }

  async function refreshOnce(): Promise<RefreshResult> {
    const now = deps.now();
    if (lastWriteAt !== undefined && now - lastWriteAt < interval) {
      stats.throttled++;
      return 'throttled';
    }
    const known = await deps.collect();
    const entries = buildReport({ ...known, now, podName: deps.podName, previous: applied?.entries });
    if (entries.length === 0 && !mayOwnEntries) return 'nothing';
    if (applied && applied.text === JSON.stringify(entries)) {
      stats.unchanged++;
      return 'unchanged';
    }
    lastWriteAt = now;
    return (await write(entries)) ? 'written' : 'failed';
  }

  function refresh(): Promise<RefreshResult> {
    const next = inFlight.then(refreshOnce, refreshOnce).then((result) => {
      deps.onRefresh?.(result);
      return result;
    });
    inFlight = next.catch(() => undefined);
    return next;
  }

  async function loop(): Promise<void> {
    while (!stopped) {
      await refresh().catch((error: unknown) => {
        stats.failures++;
        log.warn({ err: error }, 'status report not built');
      });
      await sleepUnlessStopped(interval);
    }
  }

  async function halt(): Promise<void> {
    stopped = true;
    wake();
    await running;
    await inFlight;
  }

  /** One attempt with a short timeout: no retry holds up an exit. */
  async function lastWrite(entries: DatabaseReport[], what: string): Promise<void> {
    try {
      await deps.write(entries, LAST_WRITE_TIMEOUT_MS);
      stats.writes++;
      applied = { text: JSON.stringify(entries), entries };
      log.info({ databases: entries.length }, what);
    } catch (error) {
      stats.failures++;
      log.warn({ err: error }, `${what}: not written`);
    }
  }

  let ended = false;
  return {
    refresh,
    run() {
      running ??= loop();
      return running;
    },
    async stop() {
      if (ended) return;
      ended = true;
      await halt();
      if (applied && applied.entries.length > 0) await lastWrite([], 'status report released');
    },
    async final(refused) {
      if (ended) return;
      ended = true;
      await halt();
      const base =
        applied && applied.entries.length > 0
          ? applied.entries
          : deps.databaseNames.map((name) => skeleton(name, deps.podName));
      await lastWrite(refusedReport(base, refused), 'final status report written');
    },
    stats: () => ({ ...stats }),
  };
}

/**
 * An entry for a database this pod has not reported on, in a final report. Only the refused side is
 * Unauthorized or Unavailable (refusedReport): the relay reaches Kafka only after its migrations, so a
 * Kafka refusal means the database answered, and a database refusal stops it before it tries Kafka; the
 * other side is not reported as failing, which would give the operator the wrong reason.
 */
function skeleton(name: string, podName: string): DatabaseReport {
  return {
    name,
    pending: 0,
    errored: 0,
    heldTopics: [],
    kafka: { state: 'Available', message: 'not reached: the relay stopped on a refused credential' },
    database: { state: 'Available', message: 'reachable' },
    reportedBy: podName,
  };
}
