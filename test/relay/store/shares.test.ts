// Shared mode on both real databases (db/shares.ts): the share the database gives a row, the share claim,
// the lease table's semantics (those of relay/testing/fake-share-leases.ts), the fenced writes, pendingSince,
// the table's identity and the migrations that make it all. Every test works on a table of its own.
import { randomUUID } from 'node:crypto';
import { createStore } from '../../../relay/db/create-store.js';
import { tableNames } from '../../../relay/db/identifiers.js';
import { shareBatchStatement } from '../../../relay/db/mysql/share-queries.js';
import { shareBatchQuery } from '../../../relay/db/postgres/share-queries.js';
import { SHARE_COUNT, type Fence, type ShareLease } from '../../../relay/db/shares.js';
import type { OutboxStore } from '../../../relay/db/store.js';
import { createLogger } from '../../../relay/logger.js';
import { eventually, uniqueName } from '../../support/servers.js';
import type { StoreHarness } from './harness.js';
import { mysqlHarness } from './mysql-harness.js';
import { postgresHarness } from './postgres-harness.js';
import { mysqlShareHarness, postgresShareHarness, type ShareHarness } from './share-harness.js';

const logger = createLogger({ level: 'silent' });
const ids = (rows: { id: string }[]) => rows.map((row) => row.id);
const settled = async (promise: Promise<unknown>) =>
  Promise.race([promise.then(() => true), new Promise((resolve) => setImmediate(() => resolve(false)))]);

describe.each([
  ['PostgreSQL', () => postgresHarness('shares_pg'), postgresShareHarness, 4],
  ['MariaDB', () => mysqlHarness('shares_mysql'), mysqlShareHarness, 3],
] as const)('shares on %s', (_name, setUp, setUpShares, shareMigration) => {
  let harness: StoreHarness;
  let shares: ShareHarness;
  let stores: OutboxStore[] = [];

  beforeAll(async () => {
    harness = await setUp();
    shares = await setUpShares(harness.config('unused'));
  });
  afterEach(async () => {
    await Promise.all(stores.map((store) => store.close().catch(() => undefined)));
    stores = [];
  });
  afterAll(async () => {
    await shares?.close();
    await harness?.close();
  });

  async function open(table = uniqueName('outbox', '_')): Promise<OutboxStore> {
    const store = await createStore(harness.config(table), logger);
    stores.push(store);
    return store;
  }
  async function migrated(table?: string): Promise<OutboxStore> {
    const store = await open(table);
    await store.migrate();
    return store;
  }
  /** Inserts rows of keys k-0 ... k-(n-1), `perKey` of each, interleaved; returns ids and their shares. */
  async function keyedRows(store: OutboxStore, keys: number, perKey: number, topic = 'orders') {
    const inserted = await harness.insertRows(
      store.table,
      Array.from({ length: keys * perKey }, (_, i) => ({ topic, key: `k-${i % keys}` })),
    );
    return { ids: inserted, shareOf: await shares.sharesOf(store.table, inserted) };
  }

  describe('the share of a row', () => {
    it('is the same for every row of one ordering key (the partition key, else the key) and spreads keys over many shares', async () => {
      const store = await migrated();
      const same = await harness.insertRows(store.table, [
        { key: 'a', partitionKey: 'customer-1' },
        { key: 'b', partitionKey: 'customer-1' },
        { key: 'customer-1' },
        { key: 'customer-1', partitionKey: '' },
      ]);
      const sameShares = await shares.sharesOf(store.table, same);
      expect(new Set(sameShares.values()).size).toBe(1);

      const { shareOf } = await keyedRows(store, 300, 1);
      const used = new Set(shareOf.values());
      for (const share of used) expect(share).toBeGreaterThanOrEqual(0);
      for (const share of used) expect(share).toBeLessThan(SHARE_COUNT);
      // 300 keys over 64 buckets: a fair hash leaves almost none empty.
      expect(used.size).toBeGreaterThan(55);

      const keyless = await harness.insertRows(
        store.table,
        Array.from({ length: 200 }, (_, n) => ({ payload: `{"n":${n}}` })),
      );
      expect(new Set((await shares.sharesOf(store.table, keyless)).values()).size).toBeGreaterThan(40);
    });
  });

  describe('the share claim', () => {
    it('reads only rows of its shares, each share in id order, at most `limit` in all', async () => {
      const store = await migrated();
      const { ids: all, shareOf } = await keyedRows(store, 40, 5);
      const chosen = [...new Set(shareOf.values())].slice(0, 4);
      const ofChosen = all.filter((id) => chosen.includes(shareOf.get(id)!));
      const claim = await store.claim(1000, 60_000, [], [], chosen);
      expect(ids(claim.rows)).toEqual(ofChosen);
      expect(claim.rows[0]).toMatchObject({ topic: 'orders', headers: '{}' });

      const cut = await store.claim(7, 60_000, [], [], chosen);
      expect(ids(cut.rows)).toEqual(ofChosen.slice(0, 7));
      for (const share of chosen) {
        // Each share's rows are a prefix of that share's own order.
        const mine = ids(cut.rows).filter((id) => shareOf.get(id) === share);
        expect(mine).toEqual(ofChosen.filter((id) => shareOf.get(id) === share).slice(0, mine.length));
      }
      expect((await store.claim(10, 60_000, [], [], [])).rows).toEqual([]);
      // Many shares (one scan in id order instead of a read per share): the same contract.
      const many = [...new Set(shareOf.values())].slice(0, 12);
      expect(many.length).toBe(12);
      const ofMany = all.filter((id) => many.includes(shareOf.get(id)!));
      expect(ids((await store.claim(1000, 60_000, [], [], many)).rows)).toEqual(ofMany);
      expect(ids((await store.claim(9, 60_000, [ofMany[0]!], [], many)).rows)).toEqual(ofMany.slice(1, 10));
      // All 64 shares: the first rows in id order, as today's claim.
      const every = [...Array(SHARE_COUNT).keys()];
      expect(ids((await store.claim(9, 60_000, [all[0]!], [], every)).rows)).toEqual(all.slice(1, 10));
      // Without shares the claim is today's.
      expect(ids((await store.claim(1000, 60_000)).rows)).toEqual(all);
    });

    it('returns each row once when a share is given twice', async () => {
      const store = await migrated();
      const { ids: all, shareOf } = await keyedRows(store, 20, 3);
      const [first, second] = [...new Set(shareOf.values())];
      const ofFirst = all.filter((id) => shareOf.get(id) === first);
      expect(ids((await store.claim(1000, 60_000, [], [], [first!, first!])).rows)).toEqual(ofFirst);
      const ofBoth = all.filter((id) => [first, second].includes(shareOf.get(id)));
      const twice = [first!, second!, first!, second!];
      expect(ids((await store.claim(1000, 60_000, [], [], twice)).rows)).toEqual(ofBoth);
    });

    it('honours excluded ids, excluded topics and claims of another publisher within the timeout', async () => {
      const store = await migrated();
      const rows = await harness.insertRows(store.table, [
        { key: 'same', topic: 'a' },
        { key: 'same', topic: 'held' },
        { key: 'same', topic: 'a' },
        { key: 'same', topic: 'a' },
        { key: 'same', topic: 'a' },
      ]);
      const share = (await shares.sharesOf(store.table, rows)).get(rows[0]!)!;
      const other = randomUUID();
      await harness.stampClaim(store.table, [rows[3]!], other);
      const claim = await store.claim(10, 60_000, [rows[0]!], ['held'], [share]);
      expect(ids(claim.rows)).toEqual([rows[2], rows[4]]);
      // A claim older than the timeout no longer holds its row back.
      await harness.ageClaim(store.table, other, 120);
      expect(ids((await store.claim(10, 60_000, [rows[0]!], ['held'], [share])).rows)).toEqual([
        rows[2],
        rows[3],
        rows[4],
      ]);
      await store.markPublished(randomUUID(), [rows[2]!]);
      expect(ids((await store.claim(10, 60_000, [], [], [share])).rows)).toEqual([
        rows[0],
        rows[1],
        rows[3],
        rows[4],
      ]);
    });

    it('is served by the share index', async () => {
      const store = await migrated();
      await keyedRows(store, 500, 4);
      await shares.exec(
        shares.driver === 'postgres' ? `ANALYZE "${store.table}"` : `ANALYZE TABLE \`${store.table}\``,
      );
      const names = tableNames(store.table);
      const plan =
        shares.driver === 'postgres'
          ? await (async () => {
              const query = shareBatchQuery(names, 50, 60_000, [], [], [1, 2, 3]);
              return shares.explain(query.text, query.values);
            })()
          : await (async () => {
              const statement = shareBatchStatement(names, 50, 60_000, [], [], [1, 2, 3]);
              return shares.explain(statement.sql, statement.values);
            })();
      expect(plan).toContain(names.shareIndex);
    });
  });

  describe('the share leases', () => {
    it('heartbeat records the member, makes the 64 share rows, and lists the live members sorted', async () => {
      const store = await migrated();
      const view = await store.shares.heartbeat('relay-b', 10_000);
      expect(view.members).toEqual(['relay-b']);
      expect(view.shares).toHaveLength(SHARE_COUNT);
      expect(view.shares.map((s) => s.share)).toEqual([...Array(SHARE_COUNT).keys()]);
      expect(view.shares[0]).toEqual({ share: 0, owner: null, epoch: '0', leaseRemainingMs: null });
      await store.shares.heartbeat('relay-a', 10_000);
      // A member whose heartbeat ended is not live.
      await store.shares.heartbeat('relay-c', -1_000);
      expect((await store.shares.heartbeat('relay-b', 10_000)).members).toEqual(['relay-a', 'relay-b']);
      await store.shares.leave('relay-a');
      expect((await store.shares.heartbeat('relay-b', 10_000)).members).toEqual(['relay-b']);
      // The rows are made again when missing.
      await shares.exec(`DELETE FROM ${q(shares, `${store.table}_relay_shares`)} WHERE share >= 60`);
      expect((await store.shares.heartbeat('relay-b', 10_000)).shares).toHaveLength(SHARE_COUNT);
    });

    it('acquire takes a free share at its epoch, once, and the epoch grows with every owner', async () => {
      const store = await migrated();
      await store.shares.heartbeat('a', 10_000);
      expect(await store.shares.acquire('a', 5, '1', 10_000, 0)).toBeNull();
      expect(await store.shares.acquire('a', 5, '0', 10_000, 0)).toEqual({ share: 5, epoch: '1' });
      expect(await store.shares.acquire('b', 5, '0', 10_000, 0)).toBeNull();
      expect(await store.shares.acquire('b', 5, '1', 10_000, 0)).toBeNull();
      const record = (await store.shares.heartbeat('a', 10_000)).shares[5]!;
      expect(record).toMatchObject({ share: 5, owner: 'a', epoch: '1' });
      expect(record.leaseRemainingMs).toBeGreaterThan(5_000);
      expect(record.leaseRemainingMs).toBeLessThanOrEqual(10_000);
      await store.shares.release('a', [{ share: 5, epoch: '1' }]);
      expect((await store.shares.heartbeat('a', 10_000)).shares[5]).toEqual({
        share: 5,
        owner: null,
        epoch: '1',
        leaseRemainingMs: null,
      });
      expect(await store.shares.acquire('b', 5, '1', 10_000, 60_000)).toEqual({ share: 5, epoch: '2' });
    });

    it('acquire takes an ended lease only once it ended more than the grace period ago', async () => {
      const store = await migrated();
      await store.shares.heartbeat('a', 10_000);
      // A lease that ended 10 s ago.
      expect(await store.shares.acquire('a', 9, '0', -10_000, 0)).toEqual({ share: 9, epoch: '1' });
      expect((await store.shares.heartbeat('a', 10_000)).shares[9]!.leaseRemainingMs).toBeLessThan(-9_000);
      expect(await store.shares.acquire('b', 9, '1', 10_000, 60_000)).toBeNull();
      expect(await store.shares.acquire('b', 9, '1', 10_000, 5_000)).toEqual({ share: 9, epoch: '2' });
      expect((await store.shares.heartbeat('b', 10_000)).shares[9]).toMatchObject({ owner: 'b', epoch: '2' });
    });

    it('renew extends only the leases still held with their epoch and not ended; release frees only its own', async () => {
      const store = await migrated();
      await store.shares.heartbeat('a', 10_000);
      const held = (await store.shares.acquire('a', 1, '0', 2_000, 0))!;
      const ended = (await store.shares.acquire('a', 2, '0', -1_000, 0))!;
      const other = (await store.shares.acquire('b', 3, '0', 10_000, 0))!;
      const renewed = await store.shares.renew(
        'a',
        [held, ended, other, { share: 4, epoch: '0' }, { share: 1, epoch: '7' }],
        30_000,
      );
      expect(renewed).toEqual([held]);
      const view = await store.shares.heartbeat('a', 10_000);
      expect(view.shares[1]!.leaseRemainingMs).toBeGreaterThan(20_000);
      expect(view.shares[2]!.leaseRemainingMs).toBeLessThan(0);
      expect(await store.shares.renew('a', [], 30_000)).toEqual([]);

      await store.shares.release('a', [other, { share: 1, epoch: '0' }]);
      const after = await store.shares.heartbeat('a', 10_000);
      expect(after.shares[3]).toMatchObject({ owner: 'b', epoch: '1' });
      expect(after.shares[1]).toMatchObject({ owner: 'a', epoch: '1' });
      // An ended lease is released too (same owner, same epoch), keeping its epoch.
      await store.shares.release('a', [ended]);
      expect((await store.shares.heartbeat('a', 10_000)).shares[2]).toEqual({
        share: 2,
        owner: null,
        epoch: '1',
        leaseRemainingMs: null,
      });
    });

    it('refuses a share out of range or an epoch that is not a decimal bigint before asking the database', async () => {
      const store = await migrated();
      await expect(store.shares.acquire('a', 64, '0', 1_000, 0)).rejects.toThrow(/not a share: 64/);
      await expect(store.shares.renew('a', [{ share: 1, epoch: '1e3' }], 1_000)).rejects.toThrow(
        /not an epoch/,
      );
      await expect(store.claim(10, 1_000, [], [], [-1])).rejects.toThrow(/not a share/);
    });
  });

  describe('fenced writes', () => {
    async function sharedRows(store: OutboxStore) {
      const rows = await harness.insertRows(store.table, [
        { key: 'x' },
        { key: 'x' },
        { key: 'x' },
        ...Array.from({ length: 30 }, (_, i) => ({ key: `other-${i}` })),
      ]);
      const shareOf = await shares.sharesOf(store.table, rows);
      const share = shareOf.get(rows[0]!)!;
      const mine = rows.filter((id) => shareOf.get(id) === share);
      const outside = rows.filter((id) => shareOf.get(id) !== share);
      return { share, mine, outside };
    }

    /** a's fenced mark of `mine`, stopped by a row lock on mine[0] after it locked its lease row. */
    async function heldUpMark(store: OutboxStore, mine: string[], lease: ShareLease) {
      const rowLock = await harness.lockRows(store.table, [mine[0]!]);
      const mark = store.markPublished(randomUUID(), mine, { member: 'a', leases: [lease] });
      try {
        await eventually('the mark waiting on the row lock', async () =>
          (await shares.lockWaiters()) >= 1 ? true : undefined,
        );
      } catch (error) {
        await rowLock.release();
        throw error;
      }
      return { mark, rowLock };
    }

    it('marks only rows of shares the fence holds and counts them; after a takeover it marks nothing', async () => {
      const store = await migrated();
      const { share, mine, outside } = await sharedRows(store);
      expect(outside.length).toBeGreaterThan(0);
      const lease = (await store.shares.acquire('a', share, '0', 10_000, 0))!;
      const fence: Fence = { member: 'a', leases: [lease] };
      const batch = randomUUID();
      expect(await store.markPublished(batch, [mine[0]!, outside[0]!], fence)).toBe(1);
      expect(await harness.rowState(store.table, mine[0]!)).toMatchObject({
        pushCompleted: true,
        batchId: batch,
      });
      expect((await harness.rowState(store.table, outside[0]!)).pushCompleted).toBe(false);
      // A fence without leases, a wrong epoch, another member: nothing.
      expect(await store.markPublished(batch, [mine[1]!], { member: 'a', leases: [] })).toBe(0);
      expect(
        await store.markPublished(batch, [mine[1]!], { member: 'a', leases: [{ share, epoch: '0' }] }),
      ).toBe(0);
      expect(await store.markPublished(batch, [mine[1]!], { member: 'b', leases: [lease] })).toBe(0);

      // a's lease ends; b takes the share: a's fence no longer holds.
      await store.shares.renew('a', [lease], -1_000);
      expect(await store.shares.renew('a', [lease], 10_000)).toEqual([]);
      const taken = (await store.shares.acquire('b', share, lease.epoch, 10_000, 0))!;
      expect(taken.epoch).toBe('2');
      expect(await store.markPublished(randomUUID(), mine.slice(1), fence)).toBe(0);
      expect((await harness.rowState(store.table, mine[1]!)).pushCompleted).toBe(false);
      expect(await store.markPublished(randomUUID(), mine.slice(1), { member: 'b', leases: [taken] })).toBe(
        mine.length - 1,
      );
      // Unfenced: the rows actually marked, not the ids given.
      expect(await store.markPublished(randomUUID(), [mine[0]!, outside[1]!])).toBe(1);
    });

    it('counts failures only on rows of held shares, leaving the others untouched', async () => {
      const store = await migrated();
      const { share, mine, outside } = await sharedRows(store);
      const lease = (await store.shares.acquire('a', share, '0', 10_000, 0))!;
      const fence: Fence = { member: 'a', leases: [lease] };
      const failures = [
        { id: mine[0]!, reason: 'too large' },
        { id: outside[0]!, reason: 'too large' },
      ];
      expect(await store.recordPermanentFailures(randomUUID(), failures, 1, fence)).toEqual([mine[0]]);
      expect(await harness.rowState(store.table, outside[0]!)).toMatchObject({ attempts: 0, errored: 0 });
      expect(
        await store.recordPermanentFailures(randomUUID(), [{ id: mine[1]!, reason: 'r' }], 3, fence),
      ).toEqual([]);
      expect(await harness.rowState(store.table, mine[1]!)).toMatchObject({
        attempts: 1,
        errored: 0,
        errorReason: 'r',
      });
      const stale: Fence = { member: 'a', leases: [{ share, epoch: '0' }] };
      expect(
        await store.recordPermanentFailures(randomUUID(), [{ id: mine[2]!, reason: 'r' }], 1, stale),
      ).toEqual([]);
      expect((await harness.rowState(store.table, mine[2]!)).attempts).toBe(0);
    });

    it('holds a concurrent acquire of its lease until the mark commits, and marks what it held', async () => {
      const store = await migrated();
      const { share, mine } = await sharedRows(store);
      const lease = (await store.shares.acquire('a', share, '0', 3_000, 0))!;
      const { mark, rowLock } = await heldUpMark(store, mine, lease);
      let released = false;
      try {
        expect((await store.shares.heartbeat('b', 10_000)).shares[share]!.leaseRemainingMs).toBeGreaterThan(
          0,
        );
        // Once the lease has ended, b may take it, and tries; its UPDATE waits for the mark's lock.
        await eventually(
          "a's lease ended",
          async () =>
            (await store.shares.heartbeat('b', 10_000)).shares[share]!.leaseRemainingMs! < 0
              ? true
              : undefined,
          10_000,
        );
        const acquire = store.shares.acquire('b', share, lease.epoch, 10_000, 0);
        await eventually('the acquire waiting too', async () =>
          (await shares.lockWaiters()) >= 2 ? true : undefined,
        );
        expect(await settled(acquire)).toBe(false);
        expect(await settled(mark)).toBe(false);
        await rowLock.release();
        released = true;
        expect(await mark).toBe(mine.length);
        expect(await acquire).toEqual({ share, epoch: '2' });
        for (const id of mine) expect((await harness.rowState(store.table, id)).pushCompleted).toBe(true);
      } finally {
        if (!released) await rowLock.release();
      }
    });

    // PostgreSQL: the fence's KEY SHARE lock lets its owner's renewals through. MySQL has no such lock: the
    // renewal waits for the mark (a mark held up longer than a lease costs the leases; none is lost).
    const renewalPasses = shareMigration === 4;
    it(`${renewalPasses ? 'lets' : 'makes'} a renewal of the lease ${renewalPasses ? 'through while' : 'wait until'} a held-up fenced mark ${renewalPasses ? 'waits' : 'commits'}`, async () => {
      const store = await migrated();
      const { share, mine } = await sharedRows(store);
      const lease = (await store.shares.acquire('a', share, '0', 10_000, 0))!;
      const { mark, rowLock } = await heldUpMark(store, mine, lease);
      let released = false;
      try {
        const renewal = store.shares.renew('a', [lease], 20_000);
        if (renewalPasses) {
          expect(await renewal).toEqual([lease]);
          expect(await settled(mark)).toBe(false);
        } else {
          await eventually('the renewal waiting too', async () =>
            (await shares.lockWaiters()) >= 2 ? true : undefined,
          );
          expect(await settled(renewal)).toBe(false);
        }
        await rowLock.release();
        released = true;
        expect(await mark).toBe(mine.length);
        expect(await renewal).toEqual([lease]);
        const seen = (await store.shares.heartbeat('b', 10_000)).shares[share]!;
        expect(seen.leaseRemainingMs).toBeGreaterThan(10_000);
      } finally {
        if (!released) await rowLock.release();
      }
    });
  });

  describe('pendingSince', () => {
    it('gives the distinct topics, the count and the oldest age of the pending rows, of some shares when given', async () => {
      const store = await migrated();
      expect(await store.pendingSince()).toMatchObject({ topics: [], oldestAgeMs: null, pending: 0 });
      const rows = await harness.insertRows(store.table, [
        { topic: 'b', key: 'one' },
        { topic: 'a', key: 'one' },
        { topic: 'b', key: 'one' },
        { topic: 'c', key: 'two' },
        { topic: 'published', key: 'one' },
      ]);
      await store.markPublished(randomUUID(), [rows[4]!]);
      await harness.ageCreated(store.table, [rows[1]!], 60);
      const shareOf = await shares.sharesOf(store.table, rows);
      const all = await store.pendingSince();
      expect(all).toMatchObject({ topics: ['a', 'b', 'c'], pending: 4 });
      expect(all.oldestAgeMs).toBeGreaterThanOrEqual(59_000);
      expect(all.oldestAgeMs).toBeLessThan(70_000);
      // Each topic's own oldest row: a's is a minute old, b's and c's new.
      expect(all.oldestAgeByTopic?.a).toBeGreaterThanOrEqual(59_000);
      expect(all.oldestAgeByTopic?.b).toBeLessThan(30_000);
      expect(all.oldestAgeByTopic?.c).toBeLessThan(30_000);
      const one = shareOf.get(rows[0]!)!;
      const two = shareOf.get(rows[3]!)!;
      if (one !== two) {
        const ofTwo = await store.pendingSince([two]);
        expect(ofTwo).toMatchObject({ topics: ['c'], pending: 1 });
        expect(ofTwo.oldestAgeMs).toBeLessThan(30_000);
      }
      expect((await store.pendingSince([one])).topics).toEqual(expect.arrayContaining(['a', 'b']));
      expect(await store.pendingSince([])).toEqual({ topics: [], oldestAgeMs: null, pending: 0 });
    });
  });

  describe('the table identity', () => {
    it('is one UUID per table, the same for every store on it, kept by a re-run of the migrations', async () => {
      const table = uniqueName('outbox', '_');
      const first = await migrated(table);
      const identity = await first.identity();
      expect(identity).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      const second = await open(table);
      expect(await second.migrate()).toEqual({ applied: [], adoptedGoRelayTable: false });
      expect(await second.identity()).toBe(identity);
      expect(await (await migrated()).identity()).not.toBe(identity);
    });

    it('is refused on a table not migrated', async () => {
      await expect((await open()).identity()).rejects.toThrow();
    });
  });

  describe('the migration', () => {
    const migrationName = `00${shareMigration}_shares`;

    it('on a fresh table makes the share index, the lease tables and the identity; a re-run is a no-op', async () => {
      const store = await open();
      expect((await store.migrate()).applied).toContain(migrationName);
      const index = await shares.shareIndex(store.table);
      expect(index?.valid).toBe(true);
      if (shares.driver === 'postgres') {
        expect(index!.definition).toContain('hashtext');
        expect(index!.definition).toContain('WHERE ((push_completed_at IS NULL) AND (errored = 0))');
      } else {
        expect(index!.definition).toBe('push_completed_at,errored,relay_share,id');
      }
      expect(await store.migrate()).toEqual({ applied: [], adoptedGoRelayTable: false });
      expect((await store.shares.heartbeat('a', 1_000)).shares).toHaveLength(SHARE_COUNT);
    });

    it('lets two relays migrate at once, one waiting for the lock while the other builds the share index', async () => {
      const table = uniqueName('outbox', '_');
      const [first, second] = await Promise.all([open(table), open(table)]);
      const [a, b] = await Promise.all([first.migrate(), second.migrate()]);
      expect([...a.applied, ...b.applied]).toContain(migrationName);
      expect(a.applied.length + b.applied.length).toBe(shareMigration);
      expect((await shares.shareIndex(table))?.valid).toBe(true);
      expect(await first.identity()).toBe(await second.identity());
    });

    it('adopts a Go relay table: its rows get shares and the share claim reads them', async () => {
      const table = uniqueName('go_shares', '_');
      await harness.createGoRelayTable(table);
      const rows = await harness.insertRows(table, [{ key: 'k' }, { key: 'k' }, {}]);
      const store = await open(table);
      const result = await store.migrate();
      expect(result.adoptedGoRelayTable).toBe(true);
      expect(result.applied).toContain(migrationName);
      const shareOf = await shares.sharesOf(table, rows);
      expect(shareOf.get(rows[0]!)).toBe(shareOf.get(rows[1]!));
      const claim = await store.claim(10, 60_000, [], [], [shareOf.get(rows[0]!)!]);
      expect(ids(claim.rows)).toEqual(rows.filter((id) => shareOf.get(id) === shareOf.get(rows[0]!)));
      expect(await store.identity()).toMatch(/^[0-9a-f-]{36}$/);
    });

    if (shareMigration === 4) {
      it('drops an invalid share index left by an interrupted build and builds it again', async () => {
        const store = await migrated();
        await harness.insertRows(store.table, [{ topic: 'dup' }, { topic: 'dup' }]);
        await shares.exec(`DROP INDEX "${store.table}_relay_share"`);
        // A CONCURRENTLY build that fails half-way leaves its index behind, invalid.
        await expect(
          shares.exec(
            `CREATE UNIQUE INDEX CONCURRENTLY "${store.table}_relay_share" ON "${store.table}" (topic)`,
          ),
        ).rejects.toThrow();
        expect((await shares.shareIndex(store.table))?.valid).toBe(false);
        await shares.exec(`DELETE FROM "${store.table}_relay_migrations" WHERE id = 4`);
        expect((await store.migrate()).applied).toEqual(['004_shares']);
        const index = await shares.shareIndex(store.table);
        expect(index).toMatchObject({ valid: true });
        expect(index!.definition).toContain('hashtext');
      });

      it('builds the share index without blocking inserts: it waits for an open transaction, inserts go on', async () => {
        const store = await migrated();
        await shares.exec(`DROP INDEX "${store.table}_relay_share"`);
        await shares.exec(`DELETE FROM "${store.table}_relay_migrations" WHERE id = 4`);
        const open = await harness.beginInsert(store.table);
        const migration = store.migrate();
        await eventually('the build waiting for the open transaction', async () =>
          (await shares.lockWaiters()) >= 1 ? true : undefined,
        );
        // While the build waits, the application's inserts commit.
        await harness.insertRows(store.table, [{}, {}]);
        expect(await settled(migration)).toBe(false);
        await open.commit();
        expect((await migration).applied).toEqual(['004_shares']);
        expect((await shares.shareIndex(store.table))?.valid).toBe(true);
      });
    }
  });
});

function q(shares: ShareHarness, name: string): string {
  return shares.driver === 'postgres' ? `"${name}"` : `\`${name}\``;
}
