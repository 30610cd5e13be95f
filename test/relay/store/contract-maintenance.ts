// The store contract, maintenance: cleanup, optimize, status, requeue, ping, pool resilience.
import { ConfigError, DatabaseError } from '../../../relay/errors.js';
import { eventually } from '../../support/servers.js';
import type { StoreHarness } from './harness.js';
import type { ContractContext } from './store-contract.js';

export function describeMaintenanceContract(t: ContractContext): void {
  const { open, migrated } = t;
  let harness: StoreHarness;
  beforeAll(() => {
    harness = t.harness();
  });

  describe('maintenance', () => {
    it('cleanup deletes only published rows older than the retention, across several chunks', async () => {
      const store = await migrated();
      await harness.insertMany(store.table, 2_500, 'old');
      const old = await store.claim(2_500, 60_000);
      const oldIds = old.rows.map((row) => row.id);
      await store.markPublished(old.batchId, oldIds);
      await harness.agePublished(store.table, oldIds, 7_200);
      const recent = await harness.insertRows(store.table, [{}, {}]);
      const recentClaim = await store.claim(10, 60_000);
      await store.markPublished(recentClaim.batchId, [recent[0]!]);
      expect(await store.cleanup(3_600_000)).toBe(2_500);
      expect(await harness.rowCount(store.table)).toBe(2);
      expect(await store.cleanup(3_600_000)).toBe(0);
    });

    it('optimize runs and leaves the table usable', async () => {
      const store = await migrated();
      await harness.insertRows(store.table, [{}]);
      await store.optimize();
      expect((await store.claim(10, 60_000)).rows).toHaveLength(1);
    });

    it('status counts pending, errored and all rows, and the oldest pending age', async () => {
      const store = await migrated();
      expect(await store.status()).toEqual({
        database: store.database,
        pending: 0,
        errored: 0,
        total: 0,
        oldestPendingAgeSeconds: null,
      });
      const ids = await harness.insertRows(store.table, [{}, {}, {}, {}, {}]);
      await harness.ageCreated(store.table, [ids[1]!], 600);
      const claim = await store.claim(2, 60_000);
      await store.markPublished(claim.batchId, [ids[0]!]);
      await store.recordPermanentFailures(claim.batchId, [{ id: ids[1]!, reason: 'bad' }], 1);
      const status = await store.status();
      expect(status).toMatchObject({ pending: 3, errored: 1, total: 5 });
      expect(status.oldestPendingAgeSeconds).toBeGreaterThanOrEqual(0);
      expect(status.oldestPendingAgeSeconds).toBeLessThan(300);
    });

    it('requeue returns the given errored rows, or all of them, to the queue', async () => {
      const store = await migrated();
      const ids = await harness.insertRows(store.table, [{}, {}, {}, {}]);
      const claim = await store.claim(10, 60_000);
      const errored = await store.recordPermanentFailures(
        claim.batchId,
        ids.slice(0, 3).map((id) => ({ id, reason: 'bad' })),
        1,
      );
      expect(errored).toEqual(ids.slice(0, 3));
      expect(await store.requeue([ids[0]!, ids[3]!])).toBe(1);
      expect(await harness.rowState(store.table, ids[0]!)).toMatchObject({
        errored: 0,
        attempts: 0,
        batchId: null,
        pushStarted: false,
      });
      expect((await store.status()).errored).toBe(2);
      expect(await store.requeue([])).toBe(0);
      await expect(store.requeue(['1 OR 1=1'])).rejects.toThrow(ConfigError);
      expect(await store.requeue('all')).toBe(2);
      expect((await store.status()).errored).toBe(0);
      expect((await store.claim(10, 60_000)).rows.map((row) => row.id)).toEqual(ids);
    });

    it('survives its idle pooled connections being killed, and reconnects', async () => {
      const store = await migrated();
      await Promise.all([store.ping(), store.ping(), store.status()]);
      expect(await harness.killOtherSessions()).toBeGreaterThan(0);
      await eventually('the store answering again', async () => {
        const error = await store.ping().then(
          () => undefined,
          (e: unknown) => e,
        );
        if (error === undefined) return true;
        expect(error).toBeInstanceOf(DatabaseError);
        expect((error as DatabaseError).retriable).toBe(true);
        return undefined;
      });
      expect((await store.status()).total).toBe(0);
    });

    it('ping answers', async () => {
      await expect((await open()).ping()).resolves.toBeUndefined();
    });
  });
}
