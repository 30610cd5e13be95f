// The store contract, after a claim: published, failed.
import { randomUUID } from 'node:crypto';
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
      expect(await harness.rowState(store.table, ids[0]!)).toMatchObject({
        batchId: claim.batchId,
        pushStarted: true,
        pushCompleted: true,
      });
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
        batchId: claim.batchId,
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

    it('ignores failures for rows already published or errored', async () => {
      const store = await migrated();
      const [published, errored] = await harness.insertRows(store.table, [{}, {}]);
      const claim = await store.claim(2, 60_000);
      await store.markPublished(claim.batchId, [published!]);
      expect(
        await store.recordPermanentFailures(claim.batchId, [{ id: errored!, reason: 'bad' }], 1),
      ).toEqual([errored]);
      const late = [published!, errored!].map((id) => ({ id, reason: 'late' }));
      expect(await store.recordPermanentFailures(claim.batchId, late, 1)).toEqual([]);
      expect(await harness.rowState(store.table, published!)).toMatchObject({ attempts: 0, errored: 0 });
      expect(await harness.rowState(store.table, errored!)).toMatchObject({
        attempts: 1,
        errorReason: 'bad',
      });
    });

    it('marks a row once: a later mark of the same row (a duplicate send) changes nothing', async () => {
      const store = await migrated();
      const [id] = await harness.insertRows(store.table, [{}]);
      const first = await store.claim(1, 60_000);
      await store.markPublished(first.batchId, [id!]);
      await store.markPublished(randomUUID(), [id!]);
      expect(await harness.rowState(store.table, id!)).toMatchObject({ batchId: first.batchId });
    });
  });
}
