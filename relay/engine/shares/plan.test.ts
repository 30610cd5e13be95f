import { SHARE_COUNT, type ShareRecord, type ShareView } from '../../db/shares.js';
import { planShares, staleOwners, takeable } from './plan.js';

const free = (share: number): ShareRecord => ({ share, owner: null, epoch: '0', leaseRemainingMs: null });

function view(members: string[], owners: (string | null)[], remaining = 5_000): ShareView {
  return {
    members,
    shares: owners.map((owner, share) =>
      owner === null ? free(share) : { share, owner, epoch: '3', leaseRemainingMs: remaining },
    ),
  };
}

const all = (owner: string | null) => Array.from({ length: SHARE_COUNT }, () => owner);

describe('planShares', () => {
  it('takes every free share when alone', () => {
    const plan = planShares(view(['a'], all(null)), 'a', new Set(), 1_000);
    expect(plan.target).toBe(SHARE_COUNT);
    expect(plan.acquire.map((r) => r.share)).toEqual([...Array(SHARE_COUNT).keys()]);
    expect(plan.release).toEqual([]);
  });

  it('gives up its highest shares down to its part when a member joins', () => {
    const held = new Set([...Array(SHARE_COUNT).keys()]);
    const plan = planShares(view(['a', 'b', 'c'], all('a')), 'a', held, 1_000);
    expect(plan.target).toBe(22);
    expect(plan.release).toHaveLength(SHARE_COUNT - 22);
    expect(Math.min(...plan.release)).toBe(22);
    expect(plan.acquire).toEqual([]);
  });

  it('takes only free shares and leases ended more than the grace period ago', () => {
    const owners = all('b');
    const records = view(['a', 'b'], owners).shares;
    records[0] = { share: 0, owner: 'b', epoch: '4', leaseRemainingMs: -500 }; // ended, within grace
    records[1] = { share: 1, owner: 'b', epoch: '4', leaseRemainingMs: -1_500 }; // ended past grace
    records[2] = free(2);
    const plan = planShares({ members: ['a', 'b'], shares: records }, 'a', new Set(), 1_000);
    expect(plan.acquire.map((r) => [r.share, r.epoch])).toEqual([
      [1, '4'],
      [2, '0'],
    ]);
  });

  it('counts itself before its first heartbeat is seen', () => {
    expect(planShares(view(['b'], all(null)), 'a', new Set(), 0).target).toBe(SHARE_COUNT / 2);
  });

  it('takes back a lease of its own that it lost only after the grace period, like anyone', () => {
    expect(takeable({ share: 0, owner: 'a', epoch: '1', leaseRemainingMs: -500 }, 1_000)).toBe(false);
    expect(takeable({ share: 0, owner: 'a', epoch: '1', leaseRemainingMs: -1_500 }, 1_000)).toBe(true);
    const records = view(['a'], all('a'), -1_500).shares;
    expect(planShares({ members: ['a'], shares: records }, 'a', new Set([1]), 1_000).acquire).toHaveLength(
      63,
    );
  });

  it('converges: members that each apply their plan end with every share held once, evenly', () => {
    const owners: (string | null)[] = all(null);
    const members = ['a', 'b', 'c', 'd', 'e'];
    for (let round = 0; round < 4; round++) {
      for (const m of members) {
        const held = new Set(owners.flatMap((o, s) => (o === m ? [s] : [])));
        const plan = planShares(view(members, owners), m, held, 1_000);
        for (const s of plan.release) owners[s] = null;
        for (const r of plan.acquire) if (owners[r.share] === null) owners[r.share] = m;
      }
    }
    const counts = members.map((m) => owners.filter((o) => o === m).length);
    expect(owners.every((o) => o !== null)).toBe(true);
    expect(counts.reduce((a, b) => a + b)).toBe(SHARE_COUNT);
    expect(Math.max(...counts)).toBe(13);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(12);
  });

  it("names the ended leases' owners that are not live members, itself and live members left out", () => {
    const records = view(['a', 'b'], all(null)).shares;
    records[0] = { share: 0, owner: 'c', epoch: '3', leaseRemainingMs: -10 }; // dead
    records[1] = { share: 1, owner: 'c', epoch: '3', leaseRemainingMs: -10 };
    records[2] = { share: 2, owner: 'd', epoch: '1', leaseRemainingMs: 500 }; // heartbeat gone, lease not ended
    records[3] = { share: 3, owner: 'b', epoch: '2', leaseRemainingMs: -10 }; // live member
    records[4] = { share: 4, owner: 'a', epoch: '2', leaseRemainingMs: -10 }; // itself
    records[5] = { share: 5, owner: 'e', epoch: '7', leaseRemainingMs: -99_000 };
    expect(staleOwners({ members: ['a', 'b'], shares: records }, 'a')).toEqual(['c', 'e']);
    expect(staleOwners(view(['a'], all('a'), -1), 'a')).toEqual([]);
  });
});
