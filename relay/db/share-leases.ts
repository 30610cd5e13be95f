// The share leases (db/shares.ts ShareLeases) written once on top of a dialect's ShareQueries: the sequence
// of each call, with relay/testing/fake-share-leases.ts's semantics; the SQL is the dialect's.
import type { Pool, ShareQueries } from './dialect.js';
import type { TableNames } from './identifiers.js';
import { SHARE_COUNT, type ShareLease, type ShareLeases, type ShareView } from './shares.js';

type Run = <T>(operation: string, fn: () => Promise<T>) => Promise<T>;

const EPOCH = /^[0-9]{1,19}$/;

/** A share number, checked: it becomes a bound parameter, but a wrong one is a programming error. */
export function checkShares(shares: readonly number[]): readonly number[] {
  const bad = shares.find((share) => !Number.isInteger(share) || share < 0 || share >= SHARE_COUNT);
  if (bad !== undefined) throw new Error(`not a share: ${String(bad)} (0 to ${SHARE_COUNT - 1})`);
  return shares;
}

/** Leases, checked: shares in range, epochs decimal bigints. */
export function checkLeases(leases: readonly ShareLease[]): readonly ShareLease[] {
  checkShares(leases.map((lease) => lease.share));
  const bad = leases.find((lease) => !EPOCH.test(lease.epoch));
  if (bad !== undefined) throw new Error(`not an epoch: ${JSON.stringify(bad.epoch)} (share ${bad.share})`);
  return leases;
}

export function createShareLeases<Db>(
  queries: ShareQueries<Db>,
  pool: Pool<Db>,
  names: TableNames,
  run: Run,
): ShareLeases {
  return {
    heartbeat: (member, leaseMs) =>
      run('shares.heartbeat', async (): Promise<ShareView> => {
        await queries.upsertMember(pool.db, names, member, leaseMs);
        let shares = await queries.shareRecords(pool.db, names);
        if (shares.length < SHARE_COUNT) {
          await queries.insertShareRows(pool.db, names, SHARE_COUNT);
          shares = await queries.shareRecords(pool.db, names);
        }
        // Sorted here, by UTF-16 code units as the fake sorts: a collation would order them its own way.
        const members = (await queries.liveMembers(pool.db, names)).sort();
        return { members, shares };
      }),

    async acquire(member, share, epoch, leaseMs, graceMs) {
      checkLeases([{ share, epoch }]);
      return run('shares.acquire', async () =>
        (await queries.acquireShare(pool.db, names, member, share, epoch, leaseMs, graceMs))
          ? { share, epoch: String(BigInt(epoch) + 1n) }
          : null,
      );
    },

    async renew(member, leases, leaseMs) {
      checkLeases(leases);
      if (leases.length === 0) return [];
      return run('shares.renew', async () => {
        const renewed = await queries.renewShares(pool, names, member, leases, leaseMs);
        const held = new Set(renewed.map((lease) => `${lease.share}:${lease.epoch}`));
        // In the order given, as the fake returns them.
        return leases
          .filter((lease) => held.has(`${lease.share}:${lease.epoch}`))
          .map((lease) => ({ ...lease }));
      });
    },

    async release(member, leases) {
      checkLeases(leases);
      if (leases.length === 0) return;
      await run('shares.release', () => queries.releaseShares(pool.db, names, member, leases));
    },

    leave: (member) => run('shares.leave', () => queries.deleteMember(pool.db, names, member)),
  };
}
