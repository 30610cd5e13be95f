// The SQL examples run on the databases their markers name, each in a scratch database migrated by the
// relay, and do what the doc says they do; the node-postgres example of docs/outbox-table.md runs too.
import pg from 'pg';
import { repoRoot } from '../support/operator.js';
import {
  connectionOf,
  dbQuery,
  outboxState,
  relayEnv,
  runCommand,
  type TestDb,
} from '../support/relay-harness.js';
import { where, type Block } from './blocks.js';
import { docBlocks } from './doc-files.js';
import { blocksFor } from './runners.js';
import { createSqlDatabase, resetRows, runSql, type SqlDatabase } from './sql.js';

const blocks = docBlocks(repoRoot);

interface Expectation {
  file: string;
  /** A part of the block's text that tells it apart. */
  contains: string;
  /** Rows written before the block runs. */
  before?: (db: TestDb) => Promise<void>;
  check: (db: TestDb, rows: Record<string, unknown>[]) => Promise<void>;
}

/** A JSON column as the driver returns it: parsed already, or as text. */
const json = (value: unknown): unknown => (typeof value === 'string' ? JSON.parse(value) : value);

/** The row the examples of docs/outbox-table.md write, as the relay reads it, and order 42 paid. */
async function expectOrderPaidRow(db: TestDb, headers: Record<string, string>): Promise<void> {
  const rows = await dbQuery(
    db,
    'SELECT topic, payload_json, payload_headers, partition_key FROM kafka_outbox',
  );
  expect(rows.map((r) => [r.topic, json(r.payload_json), json(r.payload_headers)])).toEqual([
    ['orders.events', { type: 'OrderPaid', orderId: 42, amount: '19.90' }, headers],
  ]);
  const keys = await dbQuery(
    db,
    db.driver === 'postgres' ? 'SELECT key FROM kafka_outbox' : 'SELECT `key` FROM kafka_outbox',
  );
  expect(keys.map((r) => r.key)).toEqual(['order-42']);
  expect(await dbQuery(db, 'SELECT status FROM orders WHERE id = 42')).toEqual([{ status: 'paid' }]);
  const status = await runCommand(['status'], relayEnv(db));
  expect(status.output).toMatch(new RegExp(`${db.name}\\s+1\\s+0\\s`));
}

const expectations: Expectation[] = [
  {
    file: 'docs/outbox-table.md',
    contains: 'BEGIN;',
    check: (db) => expectOrderPaidRow(db, { 'event-type': 'OrderPaid', 'content-type': 'application/json' }),
  },
  {
    file: 'docs/outbox-table.md',
    contains: 'START TRANSACTION;',
    check: (db) => expectOrderPaidRow(db, { 'event-type': 'OrderPaid' }),
  },
  {
    file: 'docs/operations.md',
    contains: 'WHERE errored = 1',
    before: async (db) => {
      await dbQuery(
        db,
        "INSERT INTO kafka_outbox (topic, payload_json, payload_headers) VALUES ('a', '{}', '{}'), ('b', '{}', '{}')",
      );
      await dbQuery(
        db,
        "UPDATE kafka_outbox SET errored = 1, error_reason = 'too large', push_attempts = 3 WHERE topic = 'b'",
      );
    },
    check: async (db, rows) => {
      const errored = (await outboxState(db)).filter((r) => r.errored);
      expect(rows.map((r) => [String(r.id), r.topic, r.error_reason, Number(r.push_attempts)])).toEqual(
        errored.map((r) => [r.id, 'b', 'too large', 3]),
      );
      expect(rows).toHaveLength(1);
    },
  },
  {
    file: 'docs/troubleshooting.md',
    contains: 'pg_stat_activity',
    check: async (_, rows) => {
      expect(rows).toHaveLength(1);
      expect(String(rows[0]!.count)).toMatch(/^\d+$/);
    },
  },
];

function expectationOf(block: Block): Expectation | undefined {
  return expectations.find((e) => e.file === block.file && block.body.includes(e.contains));
}

const sqlBlocks = blocksFor(blocks, 'sql');
const runs = sqlBlocks.flatMap((b) => b.marker.databases!.map((d) => [`${where(b)} on ${d}`, b, d] as const));

describe('the SQL examples', () => {
  const databases = new Map<string, SqlDatabase>();

  beforeAll(async () => {
    for (const driver of ['postgres', 'mysql'] as const)
      databases.set(driver, await createSqlDatabase(driver));
  }, 120_000);

  afterAll(async () => {
    for (const database of databases.values()) await database.drop();
  });

  it('has one expectation for each SQL block, and each expectation a block', () => {
    expect(sqlBlocks.filter((b) => !expectationOf(b)).map(where)).toEqual([]);
    const unused = expectations.filter((e) => sqlBlocks.filter((b) => expectationOf(b) === e).length !== 1);
    expect(unused.map((e) => `${e.file}: ${e.contains}`)).toEqual([]);
  });

  it.each(runs)('%s does what the doc says', async (_, block, driver) => {
    const { db } = databases.get(driver)!;
    const expectation = expectationOf(block)!;
    await resetRows(db);
    await expectation.before?.(db);
    await expectation.check(db, await runSql(db, block.body));
  });

  it.each(blocksFor(blocks, 'node-postgres').map((b) => [where(b), b] as const))(
    '%s (node-postgres) writes the row and the update in one transaction',
    async (_, block) => {
      const { db } = databases.get('postgres')!;
      await resetRows(db);
      const pool = new pg.Pool(connectionOf(db));
      const event = { type: 'OrderPaid', orderId: 42, amount: '19.90' };
      const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
        ...args: string[]
      ) => (...values: unknown[]) => Promise<void>;
      try {
        await new AsyncFunction('pool', 'orderId', 'event', block.body)(pool, 42, event);
        await expectOrderPaidRow(db, { 'event-type': 'OrderPaid' });
        await resetRows(db);
        const failing = block.body.replace("'orders.events'", 'null');
        await expect(
          new AsyncFunction('pool', 'orderId', 'event', failing)(pool, 42, event),
        ).rejects.toThrow();
        expect(await dbQuery(db, 'SELECT status FROM orders WHERE id = 42')).toEqual([{ status: 'new' }]);
      } finally {
        await pool.end();
      }
    },
  );
});
