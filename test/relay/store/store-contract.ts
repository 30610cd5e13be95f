// The OutboxStore contract, run against each dialect on its real local server (postgres.test.ts,
// mysql.test.ts). Every test works on a table of its own in the file's own database.
import { Writable } from 'node:stream';
import { createStore } from '../../../relay/db/create-store.js';
import type { OutboxStore } from '../../../relay/db/store.js';
import { ConfigError, DatabaseError } from '../../../relay/errors.js';
import { createLogger } from '../../../relay/logger.js';
import { eventually, uniqueName } from '../../support/servers.js';
import type { StoreHarness } from './harness.js';

export interface ContractContext {
  harness: () => StoreHarness;
  /** Opens a store on a fresh table (or the given one); closed after the test. */
  open: (table?: string) => OutboxStore;
  logLines: () => string[];
}

export function describeStoreContract(
  setUp: () => Promise<StoreHarness>,
  /** How many migrations the dialect has. */
  MIGRATION_COUNT: number,
  dialectTests?: (context: ContractContext) => void,
): void {
  let harness: StoreHarness;
  const logs: string[] = [];
  const logger = createLogger(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(chunk.toString());
        done();
      },
    }),
  );
  let stores: OutboxStore[] = [];

  beforeAll(async () => {
    harness = await setUp();
  });

  afterEach(async () => {
    await Promise.all(stores.map((store) => store.close().catch(() => undefined)));
    stores = [];
  });

  afterAll(async () => {
    await harness?.close();
  });

  function open(table = uniqueName('outbox', '_')): OutboxStore {
    const store = createStore(harness.config(table), logger);
    stores.push(store);
    return store;
  }

  async function migrated(): Promise<OutboxStore> {
    const store = open();
    await store.migrate();
    return store;
  }

  const topics = (rows: { topic: string }[]) => rows.map((row) => row.topic);

  describe('migrate', () => {
    it('creates the table with every migration on a fresh database', async () => {
      const store = open();
      const result = await store.migrate();
      expect(result.applied).toHaveLength(MIGRATION_COUNT);
      expect(result.adoptedGoRelayTable).toBe(false);
      expect(await harness.recordedMigrations(store.table)).toEqual(result.applied);
      const [id] = await harness.insertRows(store.table, [{ topic: 't', key: 'k', partitionKey: 'p' }]);
      expect((await harness.rowState(store.table, id!)).attempts).toBe(0);
    });

    it('is idempotent: a second call applies nothing and changes nothing', async () => {
      const store = open();
      await store.migrate();
      const indexes = await harness.indexColumns(store.table);
      expect(await store.migrate()).toEqual({ applied: [], adoptedGoRelayTable: false });
      expect(await harness.indexColumns(store.table)).toEqual(indexes);
    });

    it('lets two relays migrate at once: both succeed and the schema is applied once', async () => {
      const table = uniqueName('outbox', '_');
      const [a, b] = await Promise.all([open(table).migrate(), open(table).migrate()]);
      expect([...a!.applied, ...b!.applied].sort()).toEqual(await harness.recordedMigrations(table));
      expect(await harness.recordedMigrations(table)).toHaveLength(MIGRATION_COUNT);
      expect(await open(table).migrate()).toEqual({ applied: [], adoptedGoRelayTable: false });
    });

    it("adopts the Go relay's table in place, keeping every row and its state", async () => {
      const table = 'kafka_outbox';
      await harness.createGoRelayTable(table);
      const ids = await harness.insertRows(table, [
        { topic: 'orders', payload: '{"order": 1,  "spaced":  true}', headers: '{}' },
        { topic: 'orders', payload: '{"order":2}', headers: '{"trace":"abc","n":1}', key: 'o-2' },
        { topic: 'orders', payload: '[1,2,3]', headers: '{}', key: 'o-3', partitionKey: 'customer-7' },
        { topic: 'published', payload: '{}', headers: '{}' },
      ]);
      const indexesBefore = await harness.indexColumns(table);
      const store = open(table);
      const result = await store.migrate();
      expect(result.adoptedGoRelayTable).toBe(true);
      expect(result.applied).toHaveLength(MIGRATION_COUNT);
      expect(await harness.rowCount(table)).toBe(4);
      // The Go relay's own indexes are recognised by their columns, not duplicated under our names.
      const indexesAfter = await harness.indexColumns(table);
      for (const columns of indexesBefore) {
        expect(indexesAfter.filter((c) => c.join() === columns.join())).toHaveLength(1);
      }
      const first = await store.claim(10, 60_000);
      expect(first.rows.map((row) => row.id)).toEqual(ids);
      await store.markPublished(first.batchId, [ids[3]!]);
      await store.release(first.batchId, ids.slice(0, 3));
      const claim = await store.claim(10, 60_000);
      expect(claim.rows.map((row) => row.id)).toEqual(ids.slice(0, 3));
      expect(claim.rows.map((row) => JSON.parse(row.headers) as unknown)).toEqual([
        {},
        { trace: 'abc', n: 1 },
        {},
      ]);
      if (harness.driver === 'postgres') expect(claim.rows[1]!.headers).toBe('{"trace":"abc","n":1}');
      expect(claim.rows[2]).toMatchObject({ key: 'o-3', partitionKey: 'customer-7' });
      expect(JSON.parse(claim.rows[0]!.payload.toString('utf8'))).toEqual({ order: 1, spaced: true });
      expect(await store.migrate()).toEqual({ applied: [], adoptedGoRelayTable: false });
    });

    it("adopts a table left at the Go relay's first version, adding the key columns and indexes", async () => {
      const table = uniqueName('go_v1', '_');
      await harness.createGoRelayTable(table, true);
      const [id] = await harness.insertRowsWithoutKeys(table);
      const store = open(table);
      expect((await store.migrate()).adoptedGoRelayTable).toBe(true);
      const claim = await store.claim(10, 60_000);
      expect(claim.rows.map((row) => [row.id, row.key, row.partitionKey])).toEqual([[id, '', '']]);
      expect(await harness.indexColumns(table)).toEqual(
        expect.arrayContaining([['push_completed_at'], ['batch_id', 'created_at']]),
      );
    });

    it("adopts a table whose payload_headers is text defaulting to '' and returns '' as stored", async () => {
      const table = uniqueName('legacy', '_');
      await harness.createGoRelayTable(table);
      await harness.makeHeadersText(table);
      const first = await harness.insertWithoutHeaders(table, 'orders', '{"a":1}');
      const [second] = await harness.insertRows(table, [{ headers: '' }]);
      const store = open(table);
      expect((await store.migrate()).adoptedGoRelayTable).toBe(true);
      const claim = await store.claim(10, 60_000);
      expect(claim.rows.map((row) => [row.id, row.headers])).toEqual([
        [first, ''],
        [second, ''],
      ]);
    });
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
      expect(await store.requeue('all')).toBe(2);
      expect((await store.status()).errored).toBe(0);
      expect((await store.claim(10, 60_000)).rows.map((row) => row.id)).toEqual(ids.slice(0, 3));
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
      await expect(open().ping()).resolves.toBeUndefined();
    });
  });

  describe('leadership', () => {
    it('is exclusive between two stores on the same table and passes on after release', async () => {
      const table = (await migrated()).table;
      const a = open(table);
      const b = open(table);
      const held = await a.acquireLeadership();
      expect(held).not.toBeNull();
      expect(await b.acquireLeadership()).toBeNull();
      const elsewhere = await open(uniqueName('other', '_')).acquireLeadership();
      expect(elsewhere).not.toBeNull();
      await elsewhere!.release();
      await held!.release();
      const next = await b.acquireLeadership();
      expect(next).not.toBeNull();
      await next!.release();
    });

    it('is given up when its store is closed', async () => {
      const table = (await migrated()).table;
      const first = open(table);
      const held = await first.acquireLeadership();
      expect(held).not.toBeNull();
      await first.close();
      await held!.lost;
      const next = await open(table).acquireLeadership();
      expect(next).not.toBeNull();
      await next!.release();
    });

    it("resolves `lost` when the lock's session is killed, and the lock is free again", async () => {
      const store = await migrated();
      const held = await store.acquireLeadership();
      expect(held).not.toBeNull();
      let lost = false;
      void held!.lost.then(() => {
        lost = true;
      });
      await harness.killLeaderSession(store);
      await eventually('leadership lost', async () => (lost ? true : undefined), 20_000);
      const next = await eventually(
        'leadership free again',
        async () => (await open(store.table).acquireLeadership()) ?? undefined,
        20_000,
      );
      await next.release();
      await held!.release();
    });
  });

  describe('errors', () => {
    it('rejects a table name that is not an identifier before touching the database', () => {
      expect(() => createStore(harness.config('outbox; DROP TABLE x'), logger)).toThrow(ConfigError);
      expect(() => createStore(harness.config('`outbox`'), logger)).toThrow(ConfigError);
    });

    it('fails on a closed port with a retriable DatabaseError that does not show the password', async () => {
      const password = 'pw-that-must-not-leak-7c1e';
      const store = createStore(
        { ...harness.config('outbox'), host: '127.0.0.1', port: 1, password },
        logger,
      );
      stores.push(store);
      for (const call of [() => store.ping(), () => store.migrate(), () => store.acquireLeadership()]) {
        const error: unknown = await call().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(DatabaseError);
        expect((error as DatabaseError).retriable).toBe(true);
        expect((error as DatabaseError).message).toMatch(/ECONNREFUSED/);
        expect((error as DatabaseError).message).not.toContain(password);
      }
      expect(logs.join('')).not.toContain(password);
    });

    it('fails on a missing table with an error that is not retriable', async () => {
      const error: unknown = await open()
        .claim(1, 60_000)
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(DatabaseError);
      expect((error as DatabaseError).retriable).toBe(false);
      expect((error as DatabaseError).code).toBeDefined();
    });

    it('never writes the password to the logs', () => {
      expect(logs.join('')).not.toContain(harness.config('x').password);
    });
  });

  dialectTests?.({ harness: () => harness, open, logLines: () => logs });
}
