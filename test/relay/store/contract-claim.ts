// The store contract, claim: which rows a claim returns, in what order, and what it skips.
import type { StoreHarness } from './harness.js';
import type { ContractContext } from './store-contract.js';

const topics = (rows: { topic: string }[]) => rows.map((row) => row.topic);

export function describeClaimContract(t: ContractContext): void {
  const { open, migrated } = t;
  let harness: StoreHarness;
  beforeAll(() => {
    harness = t.harness();
  });

  describe('claim', () => {
    it('returns unclaimed rows in id order, at most `limit`, stamped with a new batch id', async () => {
      const store = await migrated();
      const ids = await harness.insertRows(
        store.table,
        ['a', 'b', 'c', 'd', 'e'].map((topic) => ({ topic, key: `k-${topic}`, partitionKey: `p-${topic}` })),
      );
      const first = await store.claim(3, 60_000);
      expect(first.batchId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(first.rows.map((row) => row.id)).toEqual(ids.slice(0, 3));
      expect(topics(first.rows)).toEqual(['a', 'b', 'c']);
      expect(first.rows[0]).toMatchObject({ key: 'k-a', partitionKey: 'p-a', attempts: 0, headers: '{}' });
      expect(first.rows[0]!.createdAt).toBeInstanceOf(Date);
      expect(Math.abs(first.rows[0]!.createdAt.getTime() - Date.now())).toBeLessThan(5 * 60_000);
      expect(await harness.rowState(store.table, ids[0]!)).toMatchObject({
        batchId: first.batchId,
        pushStarted: true,
      });
      const second = await store.claim(10, 60_000);
      expect(second.batchId).not.toBe(first.batchId);
      expect(second.rows.map((row) => row.id)).toEqual(ids.slice(3));
      expect((await store.claim(10, 60_000)).rows).toEqual([]);
    });

    it('returns the payload as the bytes the server stores', async () => {
      const store = await migrated();
      const payload = '{"text":"café ☕ 🚀","n":[1,2.5,null]}';
      await harness.insertRows(store.table, [{ payload }]);
      const [row] = (await store.claim(1, 60_000)).rows;
      expect(Buffer.isBuffer(row!.payload)).toBe(true);
      expect(JSON.parse(row!.payload.toString('utf8'))).toEqual(JSON.parse(payload));
      if (harness.driver === 'postgres') expect(row!.payload.toString('utf8')).toBe(payload);
    });

    it('skips rows locked by a concurrent claim', async () => {
      const store = await migrated();
      const ids = await harness.insertRows(store.table, [{}, {}, {}, {}]);
      const locks = await harness.lockRows(store.table, ids.slice(0, 2));
      try {
        const claim = await store.claim(10, 60_000);
        expect(claim.rows.map((row) => row.id)).toEqual(ids.slice(2));
      } finally {
        await locks.release();
      }
      expect((await store.claim(10, 60_000)).rows.map((row) => row.id)).toEqual(ids.slice(0, 2));
    });

    it("neither waits for nor returns a row an application's open transaction is inserting", async () => {
      const store = await migrated();
      const [first] = await harness.insertRows(store.table, [{}]);
      const inserting = await harness.beginInsert(store.table);
      try {
        const deadline = new Promise<'blocked'>((resolve) =>
          setTimeout(() => resolve('blocked'), 20_000).unref(),
        );
        const claim = await Promise.race([store.claim(10, 60_000), deadline]);
        expect(claim).not.toBe('blocked');
        expect(claim !== 'blocked' && claim.rows.map((row) => row.id)).toEqual([first]);
      } finally {
        await inserting.commit();
      }
      expect((await store.claim(10, 60_000)).rows.map((row) => row.id)).toEqual([inserting.id]);
    });

    it('never gives the same row to two stores claiming at the same time', async () => {
      const table = (await migrated()).table;
      await harness.insertMany(table, 200, 'race');
      const a = open(table);
      const b = open(table);
      const seen: string[] = [];
      for (let round = 0; round < 30; round += 1) {
        const [x, y] = await Promise.all([a.claim(7, 60_000), b.claim(7, 60_000)]);
        seen.push(...x!.rows.map((row) => row.id), ...y!.rows.map((row) => row.id));
      }
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toHaveLength(200);
    });

    it('does not return published or errored rows', async () => {
      const store = await migrated();
      const ids = await harness.insertRows(store.table, [
        { topic: 'published' },
        { topic: 'errored' },
        { topic: 'open' },
      ]);
      const claim = await store.claim(2, 60_000);
      await store.markPublished(claim.batchId, [ids[0]!]);
      expect(await store.recordPermanentFailures(claim.batchId, [{ id: ids[1]!, reason: 'bad' }], 1)).toEqual(
        [ids[1]],
      );
      expect(topics((await store.claim(10, 60_000)).rows)).toEqual(['open']);
      // Even with their claim long abandoned, published and errored rows stay out.
      await harness.ageClaim(store.table, claim.batchId, 3600);
      expect((await store.claim(10, 60_000)).rows).toEqual([]);
    });

    it('reclaims an abandoned claim only after the claim timeout', async () => {
      const store = await migrated();
      const ids = await harness.insertRows(store.table, [{}, {}]);
      const abandoned = await store.claim(10, 60_000);
      expect((await store.claim(10, 60_000)).rows).toEqual([]);
      await harness.ageClaim(store.table, abandoned.batchId, 30);
      expect((await store.claim(10, 60_000)).rows).toEqual([]);
      await harness.ageClaim(store.table, abandoned.batchId, 60);
      const reclaimed = await store.claim(10, 60_000);
      expect(reclaimed.rows.map((row) => row.id)).toEqual(ids);
      expect(reclaimed.batchId).not.toBe(abandoned.batchId);
      // The dead relay's batch no longer owns the rows: its late update changes nothing.
      await store.markPublished(abandoned.batchId, ids);
      expect(await harness.rowState(store.table, ids[0]!)).toMatchObject({
        batchId: reclaimed.batchId,
        pushCompleted: false,
      });
    });
  });
}
