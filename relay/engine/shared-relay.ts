// One database's relay in shared mode: several relays publish one table, each the shares it holds a lease
// on (db/shares.ts). Every 1/RENEW_FRACTION of a lease it heartbeats, renews and follows planShares: it gives
// up shares above its part once their batches were marked (its loop stopped), and takes free shares and
// those whose lease ended over the grace period ago, reading the latter back first (take-over.ts).
// Fencing: claims read only its shares; marks and failure counts write only rows of shares it still holds
// (shares/scoped-store.ts, checked by the database); sends go out only while SEND_BOUND_FRACTION of a lease
// is left by its monotonic clock (shares/timing.ts), and with Kafka transactions a taker fences its id.
import { performance } from 'node:perf_hooks';
import type { OutboxStore } from '../db/store.js';
import type { Logger } from '../logger.js';
import { isRetriable } from '../errors.js';
import { sleep } from '../retry.js';
import { leaderLoop, type LeaderLoop } from './leader-loop.js';
import { planShares, staleOwners } from './shares/plan.js';
import { compact, graceMs, maySend, Pauses, RENEW_FRACTION, sendIfHeld } from './shares/timing.js';
import { shareScoped } from './shares/scoped-store.js';
import { takeOverDeps, takeOverShares } from './take-over.js';
import type { SharedDatabaseRelay, SharedRelayDeps } from './shared-relay-deps.js';
import { SharedRelayState } from './shared-relay-state.js';

export type { SharedDatabaseRelay, SharedRelayDeps } from './shared-relay-deps.js';

export function createSharedRelay(deps: SharedRelayDeps): SharedDatabaseRelay {
  return new SharedRelay(deps);
}

class SharedRelay extends SharedRelayState implements SharedDatabaseRelay {
  private readonly log: Logger;
  private readonly pauses: Pauses;
  private readonly now: () => number;
  private aborted = false;
  private reading: Promise<void> | undefined;
  private readonly stopReading = new AbortController();
  /** Owners of ended leases no longer live, as of the last round: fenced too before a read-back. */
  private stale: string[] = [];
  /** Until when (monotonic ms) the leases are surely held. */
  private deadline = -Infinity;
  private loop: LeaderLoop | undefined;
  private running: Promise<void> | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private stopping = false;
  private done: Promise<void> | undefined;

  constructor(private readonly deps: SharedRelayDeps) {
    super(
      deps.store.database,
      deps.leaseMs,
      deps.monotonic ?? (() => performance.now()),
      deps.pollMs,
      deps.now ?? Date.now,
    );
    this.log = deps.logger.child({ component: 'relay', database: this.database, member: deps.member });
    this.pauses = new Pauses(deps.sleep ?? sleep);
    this.now = deps.now ?? Date.now;
  }

  run(): Promise<void> {
    this.done ??= this.cycle().finally(() => (this.progressAt = undefined));
    return this.done;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.pauses.cut();
    await this.done?.catch(() => undefined);
  }

  async abort(): Promise<void> {
    this.stopping = true;
    this.aborted = true;
    this.pauses.cut();
    await this.loop?.abort();
  }

  private async cycle(): Promise<void> {
    const every = Math.max(1, Math.floor(this.deps.leaseMs / RENEW_FRACTION));
    try {
      while (!this.stopping) {
        this.progressAt = this.now();
        await this.tickOrWait();
        if (this.leases.size > 0 && this.mono() >= this.deadline) {
          await this.lose([...this.leases.keys()], 'the leases ended before they could be renewed');
        }
        if (!this.stopping) await this.pauses.for(every);
      }
    } finally {
      await this.leave();
    }
  }

  /** One round of the lease table; a database outage is logged, counted and waited out. */
  private async tickOrWait(): Promise<void> {
    try {
      await this.tick();
    } catch (error) {
      if (!isRetriable(error)) throw error;
      this.log.warn({ err: error }, 'share leases: database unavailable; retrying');
      this.deps.metrics?.retries.inc({ database: this.database, operation: 'shares' });
    }
  }

  private async tick(): Promise<void> {
    const { store, member, leaseMs } = this.deps;
    const started = this.mono();
    const view = await store.shares.heartbeat(member, leaseMs);
    this.lastView = { members: view.members, at: started };
    this.stale = staleOwners(view, member);
    if (this.leases.size > 0) {
      const kept = new Set(
        (await store.shares.renew(member, [...this.leases.values()], leaseMs)).map((l) => l.share),
      );
      this.deadline = started + leaseMs;
      const lost = [...this.leases.keys()].filter((share) => !kept.has(share));
      if (lost.length > 0) await this.lose(lost, 'a renewal came back without them');
    }
    const plan = planShares(view, member, new Set(this.leases.keys()), graceMs(leaseMs));
    if (plan.release.length > 0) await this.release(plan.release, view.members.length);
    else if (plan.acquire.length > 0) await this.acquire(plan.acquire, started);
    if (this.unread.size > 0) this.readBackAside();
  }

  /** Leases lost without a word: stop at once (nothing more is sent or written), go on with the rest. */
  private async lose(shares: number[], why: string): Promise<void> {
    this.log.error({ shares: compact(shares), why }, 'share leases lost; stopping their publishing at once');
    await this.stopLoop(true);
    for (const share of shares) {
      this.leases.delete(share);
      this.unread.delete(share);
    }
    this.report();
    this.startLoop();
  }

  /** Gives shares up once their in-flight batches were marked: the loop stops, the leases go, it restarts. */
  private async release(planned: number[], members: number): Promise<void> {
    // A share not read back yet is kept until it is: given up now, it would pass for one given up cleanly.
    const shares = planned.filter((share) => !this.unread.has(share));
    if (shares.length === 0 || this.deps.settled?.() === false) return;
    const leases = shares.map((share) => this.leases.get(share)!);
    await this.stopLoop(false);
    try {
      await this.deps.store.shares.release(this.deps.member, leases);
      for (const share of shares) this.leases.delete(share);
      const given = { shares: compact(shares), members, kept: this.leases.size };
      this.log.info(given, 'shares given up to rebalance');
      this.report();
    } finally {
      this.startLoop(); // also after a failed release: the shares are still held
    }
  }

  /** Takes what it can of the planned shares; those an owner may have left unmarked are read back first. */
  private async acquire(plan: { share: number; epoch: string; owner: string | null }[], started: number) {
    const { store, member, leaseMs } = this.deps;
    const taken: number[] = [];
    if (this.leases.size === 0) this.deadline = started + leaseMs;
    for (const record of plan) {
      const lease = await store.shares.acquire(member, record.share, record.epoch, leaseMs, graceMs(leaseMs));
      if (!lease) continue;
      this.leases.set(lease.share, lease);
      taken.push(lease.share);
      // A share given up cleanly (free after an owner) had its batches marked; any other may not have.
      if (record.owner !== null || record.epoch === '0') this.unread.set(lease.share, record.owner);
    }
    if (taken.length === 0) return;
    this.log.info({ shares: compact(taken), held: this.leases.size }, 'shares taken');
    this.report();
    this.startLoop();
  }

  /**
   * Reads back the shares taken from another owner, beside the lease rounds (a long read-back must not
   * hold the renewals up); they join the loop's claims once that succeeded under the same lease.
   */
  private readBackAside(): void {
    this.reading ??= this.readBack()
      .catch((error: unknown) => this.log.warn({ err: error }, 'read-back of taken shares failed; retrying'))
      .finally(() => (this.reading = undefined));
  }

  /**
   * A commit whose outcome is unknown (the coordinator went away while committing): its rows may be in
   * Kafka, and sent again they would arrive twice. Every share goes back to be read back, after the
   * producer's next start ended that transaction, before any of its rows is claimed again.
   */
  private doubt(): void {
    const shares = this.shares();
    for (const share of shares) this.unread.set(share, null);
    this.log.warn({ shares: compact(shares) }, "a commit's outcome is unknown; reading back before sending");
    this.report();
  }

  private async readBack(): Promise<void> {
    // A transaction left open ends (committed or aborted) when the producer starts again: then read back.
    if (this.deps.settled?.() === false) await this.deps.prepareSend?.();
    const taken = [...this.unread].map(([share, owner]) => ({ lease: this.leases.get(share)!, owner }));
    const signal = this.stopReading.signal;
    const deps = takeOverDeps({ ...this.deps, log: this.log, now: this.now, signal });
    await takeOverShares(deps, taken, this.deps.member, this.deps.fence, this.stale);
    if (signal.aborted) return; // not read back: the shares stay unread, and are not given up as clean
    for (const { lease: l } of taken)
      if (this.leases.get(l.share)?.epoch === l.epoch) this.unread.delete(l.share);
    this.report();
    this.startLoop();
  }

  private report(): void {
    this.deps.metrics?.shares.set({ database: this.database }, this.shares().length);
    this.deps.metrics?.leader.set({ database: this.database }, this.isLeader() ? 1 : 0);
  }

  /** Starts a loop over the shares held and read back (none: no loop). */
  private startLoop(): void {
    if (this.stopping || !this.isLeader() || this.loop) return;
    const store: OutboxStore = shareScoped(this.deps.store, () => ({
      shares: this.shares(),
      fence: { member: this.deps.member, leases: [...this.leases.values()] },
    }));
    const loop = leaderLoop({
      ...this.deps,
      store,
      publish: async (rows) => {
        const outcome = await sendIfHeld(rows, {
          prepare: this.deps.prepareSend,
          leaseLeft: () => maySend(this.mono(), this.deps.leaseMs, this.deadline),
          publish: this.deps.publish,
        });
        if (outcome.transient && this.deps.settled?.() === false) this.doubt();
        return outcome;
      },
      log: this.log,
      now: this.now,
      held: this.held,
      progress: () => (this.progressAt = this.now()),
    });
    this.loop = loop;
    this.log.info({ shares: compact(this.shares()) }, 'publishing its shares');
    this.running = loop.start().catch((error: unknown) => {
      this.log.error({ err: error }, 'publishing loop failed');
    });
    void this.listen(loop);
  }

  private async listen(loop: LeaderLoop): Promise<void> {
    if (this.unlisten) return;
    const polling = (error: unknown) => void this.log.warn({ err: error }, 'cannot LISTEN; polling only');
    this.unlisten = await this.deps.store.listen(() => this.loop?.wake()).catch(polling);
    if (this.loop !== loop) loop.wake();
  }

  /** The loop stays this.loop until it stopped: none starts meanwhile (its batches are not all marked). */
  private async stopLoop(abort: boolean): Promise<void> {
    const loop = this.loop;
    if (!loop) return;
    try {
      await (abort ? loop.abort() : loop.stop());
      await this.running;
    } finally {
      this.loop = undefined;
    }
    this.held.clear();
  }

  /** Stopping: the loop drains, the leases are given up and the member row goes. */
  private async leave(): Promise<void> {
    await this.stopLoop(false);
    this.stopReading.abort();
    await this.reading;
    await this.unlisten?.().catch(() => undefined);
    const { store, member } = this.deps;
    // Leases after abort(), with a transaction left open, or not read back, end: the next owner fences, reads back.
    const read = [...this.leases.values()].filter((l) => !this.unread.has(l.share));
    const clean = !this.aborted && this.deps.settled?.() !== false;
    if (read.length > 0 && this.mono() < this.deadline && clean) {
      await store.shares.release(member, read).catch(() => undefined);
    }
    this.leases.clear();
    this.unread.clear();
    this.report();
    await store.shares.leave(member).catch(() => undefined);
  }
}
