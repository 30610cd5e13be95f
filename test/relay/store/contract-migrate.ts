// The store contract, migrate: creating, upgrading and adopting the outbox table.
import { uniqueName } from '../../support/servers.js';
import type { StoreHarness } from './harness.js';
import type { ContractContext } from './store-contract.js';

export function describeMigrateContract(t: ContractContext): void {
  const { open } = t;
  let harness: StoreHarness;
  beforeAll(() => {
    harness = t.harness();
  });

  describe('migrate', () => {
    it('creates the table with every migration on a fresh database', async () => {
      const store = await open();
      const result = await store.migrate();
      expect(result.applied).toHaveLength(t.migrationCount);
      expect(result.adoptedGoRelayTable).toBe(false);
      expect(await harness.recordedMigrations(store.table)).toEqual(result.applied);
      const [id] = await harness.insertRows(store.table, [{ topic: 't', key: 'k', partitionKey: 'p' }]);
      expect((await harness.rowState(store.table, id!)).attempts).toBe(0);
    });

    it('is idempotent: a second call applies nothing and changes nothing', async () => {
      const store = await open();
      await store.migrate();
      const indexes = await harness.indexColumns(store.table);
      expect(await store.migrate()).toEqual({ applied: [], adoptedGoRelayTable: false });
      expect(await harness.indexColumns(store.table)).toEqual(indexes);
    });

    it('lets two relays migrate at once: both succeed and the schema is applied once', async () => {
      const table = uniqueName('outbox', '_');
      const [first, second] = await Promise.all([open(table), open(table)]);
      const [a, b] = await Promise.all([first.migrate(), second.migrate()]);
      expect([...a!.applied, ...b!.applied].sort()).toEqual(await harness.recordedMigrations(table));
      expect(await harness.recordedMigrations(table)).toHaveLength(t.migrationCount);
      expect(await (await open(table)).migrate()).toEqual({ applied: [], adoptedGoRelayTable: false });
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
      const store = await open(table);
      const result = await store.migrate();
      expect(result.adoptedGoRelayTable).toBe(true);
      expect(result.applied).toHaveLength(t.migrationCount);
      expect(await harness.rowCount(table)).toBe(4);
      // The Go relay's own indexes are recognised by their columns, not duplicated under our names.
      const indexesAfter = await harness.indexColumns(table);
      for (const columns of indexesBefore) {
        expect(indexesAfter.filter((c) => c.join() === columns.join())).toHaveLength(1);
      }
      const first = await store.claim(10, 60_000);
      expect(first.rows.map((row) => row.id)).toEqual(ids);
      await store.markPublished(first.batchId, [ids[3]!]);
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

    it('lets two relays adopt the same Go relay table at once: one adopts, neither fails, no row is lost', async () => {
      const table = uniqueName('go_race', '_');
      await harness.createGoRelayTable(table);
      await harness.insertRows(table, [{}, {}, {}]);
      const [first, second] = await Promise.all([open(table), open(table)]);
      const results = await Promise.all([first.migrate(), second.migrate()]);
      expect(results.filter((r) => r.adoptedGoRelayTable)).toHaveLength(1);
      expect(results.flatMap((r) => r.applied)).toHaveLength(t.migrationCount);
      expect(await harness.rowCount(table)).toBe(3);
    });

    it("adopts a table left at the Go relay's first version, adding the key columns and indexes", async () => {
      const table = uniqueName('go_v1', '_');
      await harness.createGoRelayTable(table, true);
      const [id] = await harness.insertRowsWithoutKeys(table);
      const store = await open(table);
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
      const store = await open(table);
      expect((await store.migrate()).adoptedGoRelayTable).toBe(true);
      const claim = await store.claim(10, 60_000);
      expect(claim.rows.map((row) => [row.id, row.headers])).toEqual([
        [first, ''],
        [second, ''],
      ]);
    });
  });
}
