// Refreshes the report every REPORT_INTERVAL_MS and applies it only when it changed: at 1,000 OutboxRelays
// an unconditional write every 10 s would be 100 status writes a second, each waking the operator. A
// refresh compares the serialized report with the last one applied (build-report.ts makes an unchanged
// world serialize identically), so an idle relay writes nothing. A pod that leads no database writes only
// to release entries it may own: once after it led, and once at start (a previous process of the same pod,
// before a container restart, may have left entries under the same field manager). On a clean stop the
// entries are released; before an exit on a refused credential a final report says so (best effort).
// After a refresh's write the object the API server answered with goes to `applied` (the pruning of the
// publishers of pods gone: prune-publishers.ts); the release and the final report skip it.
import type { Logger } from '../logger.js';
import { retryTransient, RetryAborted, type BackoffOptions } from '../retry.js';
import { buildReport, refusedReport, type ReportInput } from './build-report.js';
import type { DatabaseReport } from './report-types.js';
import { StatusWriteError } from './status-client.js';

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
  /** Resolves with the object as the API server answered (StatusClient.apply). */
  write: (entries: readonly DatabaseReport[], timeoutMs?: number) => Promise<unknown>;
  /** Given the object a refresh's write answered with; never rejects. */
  applied?: (object: unknown) => Promise<unknown>;
  /**
   * A release at stop refused as invalid (422: a gone pod's fields left in an entry; release-entries.ts):
   * given the entries' names, removes what it can of them.
   */
  unreleased?: (names: readonly string[]) => Promise<unknown>;
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
  return new StatusReporter(deps);
}

/** The reporter's state between refreshes; each step a method. */
class StatusReporter implements Reporter {
  private readonly log: Logger;
  private readonly interval: number;
  private readonly counts: ReporterStats = { writes: 0, unchanged: 0, throttled: 0, failures: 0 };
  private applied: { text: string; entries: DatabaseReport[] } | undefined;
  private mayOwnEntries = true;
  private lastWriteAt: number | undefined;
  private stopped = false;
  private ended = false;
  private wake!: () => void;
  private readonly stopping = new Promise<void>((resolve) => (this.wake = resolve));
  private running: Promise<void> | undefined;
  private inFlight: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: ReporterDeps) {
    this.log = deps.logger.child({ component: 'report' });
    this.interval = deps.intervalMs ?? REPORT_INTERVAL_MS;
  }

  private readonly sleepUnlessStopped = async (ms: number): Promise<boolean> => {
    await Promise.race([this.deps.sleep(ms), this.stopping]);
    return !this.stopped;
  };

  private remember(entries: DatabaseReport[]): void {
    this.counts.writes++;
    this.applied = { text: JSON.stringify(entries), entries };
  }

  private async write(entries: DatabaseReport[]): Promise<boolean> {
    let attempts = 1;
    let object: unknown;
    try {
      object = await retryTransient(() => this.deps.write(entries), {
        active: () => !this.stopped && attempts < WRITE_ATTEMPTS,
        sleep: this.sleepUnlessStopped,
        options: this.deps.backoff ?? WRITE_BACKOFF,
        onRetry: (error) => {
          attempts++;
          this.log.warn({ err: error }, 'status report not written; retrying');
        },
      });
    } catch (error) {
      this.counts.failures++;
      const err = error instanceof RetryAborted ? error.lastError : error;
      this.log.warn({ err }, 'status report not written; the next refresh tries again');
      return false;
    }
    this.remember(entries);
    this.mayOwnEntries = entries.length > 0;
    await this.deps.applied?.(object);
    return true;
  }

  private async refreshOnce(): Promise<RefreshResult> {
    const now = this.deps.now();
    if (this.lastWriteAt !== undefined && now - this.lastWriteAt < this.interval) {
      this.counts.throttled++;
      return 'throttled';
    }
    const known = await this.deps.collect();
    const entries = buildReport({
      ...known,
      now,
      podName: this.deps.podName,
      previous: this.applied?.entries,
    });
    if (entries.length === 0 && !this.mayOwnEntries) return 'nothing';
    // Against its own last apply, not the object: its element pruned by another relay (never its own:
    // prune-publishers.ts) comes back with its next changed report, which a pruned pod's lost leases make.
    if (this.applied && this.applied.text === JSON.stringify(entries)) {
      this.counts.unchanged++;
      return 'unchanged';
    }
    this.lastWriteAt = now;
    return (await this.write(entries)) ? 'written' : 'failed';
  }

  refresh(): Promise<RefreshResult> {
    const once = () => this.refreshOnce();
    const next = this.inFlight.then(once, once).then((result) => {
      this.deps.onRefresh?.(result);
      return result;
    });
    this.inFlight = next.catch(() => undefined);
    return next;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      await this.refresh().catch((error: unknown) => {
        this.counts.failures++;
        this.log.warn({ err: error }, 'status report not built');
      });
      await this.sleepUnlessStopped(this.interval);
    }
  }

  run(): Promise<void> {
    this.running ??= this.loop();
    return this.running;
  }

  private async halt(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.running;
    await this.inFlight;
  }

  /** One attempt with a short timeout: no retry holds up an exit. True when refused as invalid (422). */
  private async lastWrite(entries: DatabaseReport[], what: string): Promise<boolean> {
    try {
      await this.deps.write(entries, LAST_WRITE_TIMEOUT_MS);
      this.remember(entries);
      this.log.info({ databases: entries.length }, what);
      return false;
    } catch (error) {
      this.counts.failures++;
      this.log.warn({ err: error }, `${what}: not written`);
      return error instanceof StatusWriteError && error.statusCode === 422;
    }
  }

  async stop(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.halt();
    if (!this.applied || this.applied.entries.length === 0) return;
    const names = this.applied.entries.map((e) => e.name);
    const refused = await this.lastWrite([], 'status report released');
    if (refused) await this.deps.unreleased?.(names);
  }

  async final(refused: { kafka?: string; database?: string }): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.halt();
    const base =
      this.applied && this.applied.entries.length > 0
        ? this.applied.entries
        : this.deps.databaseNames.map((name) => skeleton(name, this.deps.podName));
    await this.lastWrite(refusedReport(base, refused), 'final status report written');
  }

  stats(): Readonly<ReporterStats> {
    return { ...this.counts };
  }
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
