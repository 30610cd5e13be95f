// The claim -> publish -> resolve loop of one database, in the manner of pg-boss's worker: a small class
// given its collaborators, so it is tested without servers.
//
// Batches go to Kafka one after another, never two at once: a batch is sent only when the one before it
// was acknowledged (per-key order). Around that, the database work overlaps the sending: while a full
// batch is being sent the next one is read (leaving out the rows in flight), and while that next one is
// sent the previous one is marked (up to MARKING_DEPTH markings at once, so that one slow commit does not
// hold the sending up). So a drain runs at the pace of the slower of Kafka and the database, not of their
// sum. The read-ahead is used only when the batch before it went out whole; otherwise (a
// failure, a row held back, a transient error) it is thrown away and read again after the outcome is
// written, so nothing overtakes a row that has to be retried. A claim writes nothing, so throwing one
// away costs nothing.
//
// Its idle sleep is cut short by wake() (a NOTIFY) or stop(); stop() lets the in-flight batch finish and
// be resolved; abort() also gives up on resolving (the rows stay unpublished and the next leader sends
// them again). The waits that space retries out (after a permanent failure, a transient error) are cut
// short by stop() only: a stream of inserts must not turn them into a busy loop.
//
// Rows of a held topic (parked) do not make a batch wait: the next claim leaves that topic out, so the
// other topics go on at full speed.
import type { Claim } from '../db/store.js';
import { backoffDelay, DEFAULT_BACKOFF, retryTransient, RetryAborted, sleep } from '../retry.js';
import { BatchSize } from './batch-size.js';
import type { LoopDeps } from './loop-deps.js';
import { MARKING_DEPTH, settle, tracked, type Marking } from './markings.js';
import type { BatchOutcome } from './publish-batch.js';

export { MARKING_DEPTH } from './markings.js';
export type { LoopDeps } from './loop-deps.js';

/** Where the loop is between two rounds. */
interface LoopState<B> {
  /** The next claim is the first since taking leadership. */
  first: boolean;
  /** The batch read ahead, to be sent next. */
  next: B | undefined;
  markings: Marking[];
}

/** The ids of the rows being marked, which a claim leaves out. */
function marked(markings: readonly Marking[]): readonly string[] {
  return markings.length === 1 ? markings[0]!.ids : markings.flatMap((m) => m.ids);
}

export class RelayLoop<B extends Claim = Claim> {
  private running = false;
  private aborted = false;
  private done: Promise<void> | undefined;
  /** The sleeps in progress (the loop's own, and a marking's retry running beside it). */
  private readonly sleepers = new Set<() => void>();
  private woken = false;
  private transientStreak = 0;
  private lastClaimAt = -Infinity;
  private readonly sleepFn: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly size: BatchSize;
  /** How many rows each batch was read with: a batch that came back with as many is full. */
  private readonly asked = new WeakMap<B, number>();

  // NoInfer: the batch type is the caller's to name (new RelayLoop<Batch>); left out, it is a plain Claim.
  constructor(private readonly deps: LoopDeps<NoInfer<B>>) {
    this.sleepFn = deps.sleep ?? sleep;
    this.now = deps.now ?? Date.now;
    this.size = new BatchSize({ base: deps.batchSize, max: deps.maxBatchSize ?? deps.batchSize });
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
    for (const cut of [...this.sleepers]) cut();
  }

  /** Stops claiming, lets the in-flight batch finish and be resolved, and waits for the loop to end. */
  async stop(): Promise<void> {
    this.running = false;
    for (const cut of [...this.sleepers]) cut();
    await this.done?.catch(() => undefined);
  }

  /** Stops at once: nothing more is sent or resolved after the current call returns. */
  async abort(): Promise<void> {
    this.aborted = true;
    await this.stop();
  }

  /**
   * The loop's states: claim (from scratch, or the batch read ahead), then an empty claim idles and a
   * batch goes round (publish, start its marking, wait as its outcome says); at the end the markings
   * still running are awaited.
   */
  private async run(): Promise<void> {
    const state: LoopState<B> = { first: true, next: undefined, markings: [] };
    try {
      while (this.running) {
        this.deps.onProgress?.();
        const claim = state.next ?? (await this.claimAnew(state.first, () => marked(state.markings)));
        state.next = undefined;
        if (!claim) break;
        state.first = false;
        if (claim.rows.length === 0) await this.idleRound(state.markings);
        else state.next = await this.round(claim, state.markings);
      }
      await settle(state.markings, 0);
    } catch (error) {
      if (error instanceof RetryAborted) return;
      throw error;
    }
  }

  /** Nothing to send: let every marking finish, then wait for a wake-up or the poll. */
  private async idleRound(markings: Marking[]): Promise<void> {
    await settle(markings, 0);
    await this.idle(this.pollWait(), true);
  }

  /** Reads a batch from scratch, retrying; undefined once the loop stops. */
  private async claimAnew(first: boolean, marked: () => readonly string[]): Promise<B | undefined> {
    await this.coalesce();
    this.lastClaimAt = this.now();
    try {
      return await this.retry(
        () => this.read(first, marked()),
        'claim',
        () => this.running,
      );
    } catch (error) {
      if (error instanceof RetryAborted) return undefined;
      throw error;
    }
  }

  /**
   * Publishes one batch, starts writing its outcome and waits as the outcome says; returns the batch read
   * meanwhile when it is to be sent next.
   */
  private async round(claim: B, markings: Marking[]): Promise<B | undefined> {
    const started = this.now();
    const full = claim.rows.length >= (this.asked.get(claim) ?? this.deps.batchSize);
    const inFlight = claim.rows.map((row) => row.id);
    const ahead = full ? this.readAhead([...marked(markings), ...inFlight]) : undefined;
    const outcome = await this.deps.publish(claim);
    await settle(markings, MARKING_DEPTH - 1);
    const done = this.resolve(claim, outcome, started);
    const parked = outcome.parked?.length ?? 0;
    const clean = !outcome.transient && outcome.published.length + parked === claim.rows.length;
    if (clean && this.running) {
      // Mark this batch while the next one is read and sent. With rows parked, the read-ahead may hold
      // later rows of their topic (read while it was being tried again) and is read anew, leaving the
      // topic out; the parked rows stay out of the markings, so that no later claim takes a row of their
      // topic without them.
      markings.push(tracked(parked > 0 ? outcome.published : inFlight, done));
      this.transientStreak = 0;
      return this.afterCleanBatch(full, parked, ahead);
    }
    await ahead;
    await settle([...markings.splice(0), tracked(inFlight, done)], 0);
    await this.waitAfterFailure(outcome);
    return undefined;
  }

  /**
   * A full batch means more rows are likely waiting: go on at once, with the batch read meanwhile (unless
   * rows were parked). Otherwise wait for a wake-up or the poll.
   */
  private async afterCleanBatch(
    full: boolean,
    parked: number,
    ahead: Promise<B | undefined> | undefined,
  ): Promise<B | undefined> {
    if (full && parked === 0) return ahead;
    if (full) await ahead;
    else await this.idle(this.pollWait(), true);
    return undefined;
  }

  /** The wait after a batch that did not go out whole: a backoff after a transient error, else the poll. */
  private async waitAfterFailure(outcome: BatchOutcome): Promise<void> {
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
      return;
    }
    this.transientStreak = 0;
    // A batch with a permanent failure waits the whole poll interval, and a wake-up does not cut it short:
    // a poison row's attempts are at least a poll interval apart however fast rows arrive.
    if (this.running) await this.idle(this.deps.pollMs, false);
  }

  /**
   * The poll interval counts from the start of the last claim, not from the end of its batch: a row
   * committed just after a claim waits one interval, not one interval plus the batch.
   */
  private pollWait(): number {
    return Math.max(0, this.deps.pollMs - (this.now() - this.lastClaimAt));
  }

  /**
   * Leaves at least `coalesceMs` between the starts of two claims, so that wake-ups arriving one per
   * insert are served by one claim for several rows rather than one claim (and one mark) per row.
   */
  private async coalesce(): Promise<void> {
    const wait = (this.deps.coalesceMs ?? 0) - (this.now() - this.lastClaimAt);
    if (wait > 0 && this.running) await this.idle(wait, false);
  }

  /** Reads a batch of the size the backlog calls for (batch-size.ts), and notes how it came back. */
  private async read(first: boolean, exclude: readonly string[]): Promise<B> {
    const limit = this.size.next();
    const claim = await this.deps.claim(first, exclude, limit);
    this.asked.set(claim, limit);
    this.size.observe(limit, claim.rows);
    return claim;
  }

  /** One try at reading the batch after this one; a failure only means reading it again later. */
  private async readAhead(exclude: readonly string[]): Promise<B | undefined> {
    try {
      const claim = await this.read(false, exclude);
      return claim.rows.length > 0 ? claim : undefined;
    } catch {
      return undefined;
    }
  }

  /** Writes the outcome back, retrying; settles with the error that ended it (never rejects). */
  private resolve(claim: B, outcome: BatchOutcome, started: number): Promise<unknown> {
    return this.retry(
      () => this.deps.resolve(claim, outcome),
      'resolve',
      () => !this.aborted,
    ).then(
      () => {
        this.deps.onBatch?.(claim, outcome, (this.now() - started) / 1000);
        return undefined;
      },
      (error: unknown) => error,
    );
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
    this.deps.onProgress?.();
    if (!this.running && !wakeable) {
      // Stopping while resolving: keep retrying the resolution (unless aborted) without waiting long.
      ms = Math.min(ms, 200);
    }
    if (!this.running && wakeable) return;
    if (wakeable && this.woken) {
      this.woken = false;
      return;
    }
    let cut: (() => void) | undefined;
    await new Promise<void>((resolve) => {
      cut = () => {
        if (wakeable || !this.running) resolve();
      };
      this.sleepers.add(cut);
      this.sleepFn(ms).then(resolve, resolve);
    });
    this.sleepers.delete(cut!);
    if (wakeable) this.woken = false;
  }
}
