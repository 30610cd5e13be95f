// Which shares a relay gives up and which it takes, from the lease table's view: a pure function, so the
// rebalancing is tested without a database. Each live member aims at ceil(SHARE_COUNT / members) shares:
// one holding more gives up its highest-numbered ones (after its in-flight batches were marked), one
// holding fewer takes the lowest-numbered shares that are free or whose lease ended more than the grace
// period ago. Every member decides alone on the same view, and the leases' epochs make two members that
// reach for one share at once meet in the database: only one acquire succeeds.
import { SHARE_COUNT, type ShareRecord, type ShareView } from '../../db/shares.js';

export interface SharePlan {
  /** Shares to give up (held by this member), highest first. */
  release: number[];
  /** Shares to try to take, with the epoch they were seen at, lowest first. */
  acquire: ShareRecord[];
  /** How many shares this member aims at. */
  target: number;
}

/**
 * Whether a member not holding the share may take it now: free, or its lease ended more than `graceMs`
 * ago. That includes a lease of its own that it lost (it was paused past it): its own sends in flight
 * are bounded like anyone's.
 */
export function takeable(record: ShareRecord, graceMs: number): boolean {
  if (record.owner === null) return true;
  return record.leaseRemainingMs !== null && record.leaseRemainingMs < -graceMs;
}

export function planShares(
  view: ShareView,
  member: string,
  held: ReadonlySet<number>,
  graceMs: number,
): SharePlan {
  const members = Math.max(1, view.members.length + (view.members.includes(member) ? 0 : 1));
  const target = Math.ceil(SHARE_COUNT / members);
  if (held.size > target) {
    const release = [...held].sort((a, b) => b - a).slice(0, held.size - target);
    return { release, acquire: [], target };
  }
  const acquire = view.shares
    .filter((record) => !held.has(record.share) && takeable(record, graceMs))
    .slice(0, target - held.size);
  return { release: [], acquire, target };
}

/**
 * The owners of ended leases that are no longer live members, this one left out: relays that died or
 * were paused past their lease. A taker fences them too before its read-back, so a transaction one of
 * them left open cannot hold the partitions' last stable offset, where the read-back's planned end is,
 * below what the previous owners committed (that would end the read-back early and send rows again).
 */
export function staleOwners(view: ShareView, member: string): string[] {
  const live = new Set(view.members);
  const owners = view.shares
    .filter((s) => s.owner !== null && s.owner !== member && !live.has(s.owner))
    .filter((s) => s.leaseRemainingMs === null || s.leaseRemainingMs <= 0)
    .map((s) => s.owner!);
  return [...new Set(owners)].sort();
}
