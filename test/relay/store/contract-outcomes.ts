// The store contract, after a claim: published, failed, released.
import type { StoreHarness } from './harness.js';
import type { ContractContext } from './store-contract.js';

export function describeOutcomeContract(t: ContractContext): void {
  const { migrated } = t;
  let harness: StoreHarness;
  beforeAll(() => {
    harness = t.harness();
  });

  describe('after a claim', () => {
    it('markPublished completes only the given rows of the batch', async () => {
      const store = await migrated();
      const ids = await harness.insertRows(store.table, [{}, {}, {}]);
      const claim = await store.claim(10, 60_000);
      await store.markPublished(claim.batchId, ids.slice(0, 2));
      expect((await harness.rowState(store.table, ids[0]!)).pushCompleted).toBe(true);
      expect((await harness.rowState(store.table, ids[2]!)).pushCompleted).toBe(false);
      await store.markPublished(claim.batchId, []);
    });

    it('counts permanent failures and marks a row errored with its reason at maxAttempts', async () => {
      const store = await migrated();
      const [id, other] = await harness.insertRows(store.table, [{}, {}]);
      for (let attempt = 1; attempt <= 2; attempt += 1) {
        const claim = await store.claim(1, 60_000);
        expect(claim.rows.map((row) => [row.id, row.attempts])).toEqual([[id, attempt - 1]]);
        expect(
          await store.recordPermanentFailures(claim.batchId, [{ id: id!, reason: `try ${attempt}` }], 3),
        ).toEqual([]);
        expect(await harness.rowState(store.table, id!)).toMatchObject({
          attempts: attempt,
          errored: 0,
          batchId: null,
          pushStarted: false,
        });
      }
      const claim = await store.claim(1, 60_000);
      expect(
        await store.recordPermanentFailures(claim.batchId, [{ id: id!, reason: 'message too large' }], 3),
      ).toEqual([id]);
      expect(await harness.rowState(store.table, id!)).toMatchObject({
        attempts: 3,
        errored: 1,
        errorReason: 'message too large',
      });
      expect((await store.claim(10, 60_000)).rows.map((row) => row.id)).toEqual([other]);
    });

    it('truncates a long reason to the column size, never splitting a character', async () => {
      const store = await migrated();
      const [id] = await harness.insertRows(store.table, [{}]);
      const claim = await store.claim(1, 60_000);
      const reason = `${'x'.repeat(254)}🚀🚀 and more\u0000`;
      expect(await store.recordPermanentFailures(claim.batchId, [{ id: id!, reason }], 1)).toEqual([id]);
      const stored = (await harness.rowState(store.table, id!)).errorReason;
      expect(Array.from(stored)).toHaveLength(255);
      expect(stored.endsWith('x🚀')).toBe(true);
    });

    it('ignores failures for rows the batch no longer owns', async () => {
      const store = await migrated();
      const [id] = await harness.insertRows(store.table, [{}]);
      const old = await store.claim(1, 60_000);
      await harness.ageClaim(store.table, old.batchId, 3600);
      await store.claim(1, 60_000);
      expect(await store.recordPermanentFailures(old.batchId, [{ id: id!, reason: 'late' }], 1)).toEqual([]);
      expect((await harness.rowState(store.table, id!)).attempts).toBe(0);
    });

    it('release returns rows to the queue without counting an attempt', async () => {
      const store = await migrated();
      const ids = await harness.insertRows(store.table, [{}, {}]);
      const claim = await store.claim(10, 60_000);
      await store.release(claim.batchId, ids);
      expect(await harness.rowState(store.table, ids[0]!)).toMatchObject({
        batchId: null,
        pushStarted: false,
        attempts: 0,
      });
      expect((await store.claim(10, 60_000)).rows.map((row) => row.id)).toEqual(ids);
    });
  });
}
