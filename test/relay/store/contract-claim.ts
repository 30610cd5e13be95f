// The store contract, claim: which rows a claim returns, in what order, and what it skips. A claim is a
// read: the leader lock, not the rows, keeps relays apart.
import { randomUUID } from 'node:crypto';
import type { StoreHarness } from './harness.js';
import type { ContractContext } from './store-contract.js';

const topics = (rows: { topic: string }[]) => rows.map((row) => row.topic);

export function describeClaimContract(t: ContractContext): void {
  const { migrated } = t;
  let harness: StoreHarness;
  beforeAll(() => {
    harness = t.harness();
  });

  describe('claim', () => {
    it('returns unpublished rows in id order, at most `limit`, with a new batch id, writing nothing', async () => {
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
      expect(await harness.rowState(store.table, ids[0]!)).toMatchObject({
        batchId: null,
        pushStarted: false,
        pushCompleted: false,
      });
      // Nothing was written: the same rows come again until they are marked or left out.
      const again = await store.claim(3, 60_000);
      expect(again.batchId).not.toBe(first.batchId);
      expect(again.rows.map((row) => row.id)).toEqual(ids.slice(0, 3));
      const rest = await store.claim(10, 60_000, ids.slice(0, 3));
      expect(rest.rows.map((row) => row.id)).toEqual(ids.slice(3));
      expect((await store.claim(10, 60_000, ids)).rows).toEqual([]);
    });

    it('leaves out the excluded ids wherever they are, the others still in id order', async () => {
      const store = await migrated();
      const ids = await harness.insertRows(
        store.table,
        Array.from({ length: 12 }, () => ({})),
      );
      const claim = await store.claim(3, 60_000, [ids[1]!, ids[3]!]);
      expect(claim.rows.map((row) => row.id)).toEqual([ids[0], ids[2], ids[4]]);
      // Numeric order, not text order, past one digit.
      expect((await store.claim(11, 60_000)).rows.map((row) => row.id)).toEqual(ids.slice(0, 11));
    });

    it('leaves out the rows of excluded topics (held ones), with or without excluded ids', async () => {
      const store = await migrated();
      const ids = await harness.insertRows(
        store.table,
        ['held', 'open', 'held', 'other', "it's held"].map((topic) => ({ topic })),
      );
      const claim = await store.claim(10, 60_000, [], ['held', "it's held"]);
      expect(claim.rows.map((row) => row.id)).toEqual([ids[1], ids[3]]);
      expect((await store.claim(10, 60_000, [ids[1]!], ['held'])).rows.map((row) => row.id)).toEqual([
        ids[3],
        ids[4],
      ]);
      expect(topics((await store.claim(10, 60_000, [], [])).rows)).toEqual([
        'held',
        'open',
        'held',
        'other',
        "it's held",
      ]);
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

    it('neither waits for nor leaves out rows another transaction holds locked', async () => {
      const store = await migrated();
      const ids = await harness.insertRows(store.table, [{}, {}, {}, {}]);
      const locks = await harness.lockRows(store.table, ids.slice(0, 2));
      try {
        const deadline = new Promise<'blocked'>((resolve) =>
          setTimeout(() => resolve('blocked'), 20_000).unref(),
        );
        const claim = await Promise.race([store.claim(10, 60_000), deadline]);
        expect(claim !== 'blocked' && claim.rows.map((row) => row.id)).toEqual(ids);
      } finally {
        await locks.release();
      }
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
      expect((await store.claim(10, 60_000, [first!])).rows.map((row) => row.id)).toEqual([inserting.id]);
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
      // Even with their stamp long past the claim timeout, published and errored rows stay out.
      await harness.ageClaim(store.table, claim.batchId, 3600);
      expect(topics((await store.claim(10, 60_000)).rows)).toEqual(['open']);
    });

    it('skips rows another publisher claimed until the claim timeout; clearClaims frees them at once', async () => {
      const store = await migrated();
      const ids = await harness.insertRows(store.table, [{}, {}, {}]);
      const foreign = randomUUID();
      await harness.stampClaim(store.table, ids.slice(0, 2), foreign);
      expect((await store.claim(10, 60_000)).rows.map((row) => row.id)).toEqual([ids[2]]);
      await harness.ageClaim(store.table, foreign, 30);
      expect((await store.claim(10, 60_000)).rows.map((row) => row.id)).toEqual([ids[2]]);
      await harness.ageClaim(store.table, foreign, 60);
      expect((await store.claim(10, 60_000)).rows.map((row) => row.id)).toEqual(ids);

      await harness.stampClaim(store.table, ids.slice(0, 2), foreign);
      const published = await store.claim(1, 60_000, ids.slice(0, 2));
      await store.markPublished(published.batchId, [ids[2]!]);
      expect(await store.clearClaims()).toBe(2);
      expect(await harness.rowState(store.table, ids[0]!)).toMatchObject({
        batchId: null,
        pushStarted: false,
      });
      // A published row keeps its stamp.
      expect(await harness.rowState(store.table, ids[2]!)).toMatchObject({ batchId: published.batchId });
      expect((await store.claim(10, 60_000)).rows.map((row) => row.id)).toEqual(ids.slice(0, 2));
      expect(await store.clearClaims()).toBe(0);
    });
  });
}
