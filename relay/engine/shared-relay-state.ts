// What a shared relay (shared-relay.ts) holds, and what it answers from it without I/O: the leases, the
// shares not read back yet, its held topics, its last lease round's members and its last progress.
import type { ShareLease } from '../db/shares.js';
import { HeldTopics, type HeldTopicStatus } from './held-topics.js';

export class SharedRelayState {
  protected readonly held: HeldTopics;
  /** Every lease held, including those not read back yet. */
  protected readonly leases = new Map<number, ShareLease>();
  /** Shares taken from an owner (null: none recorded), not claimed until their read-back succeeded. */
  protected readonly unread = new Map<number, string | null>();
  /** The live members of the last lease round, and when (monotonic ms) it began. */
  protected lastView: { members: string[]; at: number } | undefined;
  protected progressAt: number | undefined;

  constructor(
    readonly database: string,
    private readonly leaseMs: number,
    /** A monotonic clock (ms). */
    protected readonly mono: () => number,
    pollMs: number,
    now: () => number,
  ) {
    this.held = new HeldTopics({ pollMs, now });
  }

  /** Publishing: it holds a share it has read back. */
  isLeader(): boolean {
    return this.leases.size > this.unread.size;
  }

  /** The shares it holds and publishes, in order. */
  shares(): number[] {
    return [...this.leases.keys()].filter((s) => !this.unread.has(s)).sort((a, b) => a - b);
  }

  /** The live members of the last lease round; undefined before one, and once that is a lease old. */
  members(): string[] | undefined {
    const last = this.lastView;
    return last && this.mono() - last.at < this.leaseMs ? [...last.members] : undefined;
  }

  heldTopics(): HeldTopicStatus[] {
    return this.held.list();
  }

  lastProgressAt(): number | undefined {
    return this.progressAt;
  }
}
