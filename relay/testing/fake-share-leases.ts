// The share lease table in memory (db/shares.ts's contract), on the fake store's clock, for unit tests of
// the shared mode. fakeShareOf stands in for the database's share expression.
import { createHash } from 'node:crypto';
import { SHARE_COUNT, type Fence, type ShareLease, type ShareLeases, type ShareView } from '../db/shares.js';
import type { OutboxRow } from '../db/store.js';

/** The share of a row: a hash of its ordering key, or its id when it has none. */
export function fakeShareOf(row: Pick<OutboxRow, 'id' | 'key' | 'partitionKey'>): number {
  const key = row.partitionKey !== '' ? row.partitionKey : row.key;
  if (key === '') return Number(BigInt(row.id) % BigInt(SHARE_COUNT));
  return createHash('sha1').update(key).digest().readUInt16BE(0) % SHARE_COUNT;
}

interface LeaseRow {
  owner: string | null;
  epoch: bigint;
  until: number | null;
}

export class FakeShareLeases implements ShareLeases {
  readonly rows: LeaseRow[] = Array.from({ length: SHARE_COUNT }, () => ({
    owner: null,
    epoch: 0n,
    until: null,
  }));
  readonly members = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  async heartbeat(member: string, leaseMs: number): Promise<ShareView> {
    const now = this.now();
    this.members.set(member, now + leaseMs);
    return {
      members: [...this.members]
        .filter(([, until]) => until > now)
        .map(([m]) => m)
        .sort(),
      shares: this.rows.map((row, share) => ({
        share,
        owner: row.owner,
        epoch: String(row.epoch),
        leaseRemainingMs: row.owner === null || row.until === null ? null : row.until - now,
      })),
    };
  }

  async acquire(member: string, share: number, epoch: string, leaseMs: number, graceMs: number) {
    const row = this.rows[share]!;
    const now = this.now();
    if (String(row.epoch) !== epoch) return null;
    if (row.owner !== null && (row.until ?? 0) >= now - graceMs) return null;
    Object.assign(row, { owner: member, epoch: row.epoch + 1n, until: now + leaseMs });
    return { share, epoch: String(row.epoch) };
  }

  async renew(member: string, leases: readonly ShareLease[], leaseMs: number): Promise<ShareLease[]> {
    const now = this.now();
    const kept = leases.filter((l) => this.holds(member, l, now));
    for (const l of kept) this.rows[l.share]!.until = now + leaseMs;
    return kept.map((l) => ({ ...l }));
  }

  async release(member: string, leases: readonly ShareLease[]): Promise<void> {
    for (const l of leases) {
      const row = this.rows[l.share]!;
      if (row.owner === member && String(row.epoch) === l.epoch)
        Object.assign(row, { owner: null, until: null });
    }
  }

  async leave(member: string): Promise<void> {
    this.members.delete(member);
  }

  /** Whether a fenced write may touch a row of `share`. */
  admits(fence: Fence, share: number): boolean {
    const lease = fence.leases.find((l) => l.share === share);
    return lease !== undefined && this.holds(fence.member, lease, this.now());
  }

  private holds(member: string, lease: ShareLease, now: number): boolean {
    const row = this.rows[lease.share]!;
    return row.owner === member && String(row.epoch) === lease.epoch && (row.until ?? 0) > now;
  }
}
