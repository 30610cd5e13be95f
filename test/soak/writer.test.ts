// The soak's writer must know what it committed without asking the relay. Here its connection is made to
// fail during COMMIT on purpose, once after the server committed and once before: the writer must settle
// the first as committed and the second as not, from its ledger, and its record must match the table.
import mysql from 'mysql2/promise';
import {
  connectionOf,
  createTestDb,
  pgQuery,
  relayEnv,
  runCommand,
  type Driver,
  type TestDb,
} from '../support/relay-harness.js';
import type { TestDatabase } from '../support/servers.js';
import { seededRandom } from './random.js';
import { startWriter } from './writer.js';
import { createLedger, openWriterConnection, type WriterConnection } from './writer-connection.js';

async function tokensInTable(db: TestDb): Promise<Map<string, string>> {
  const sql = 'SELECT id, payload_json AS payload FROM kafka_outbox';
  let rows: { id: unknown; payload: unknown }[];
  if (db.driver === 'postgres') {
    rows = await pgQuery<{ id: unknown; payload: unknown }>(db, sql);
  } else {
    const conn = await mysql.createConnection(connectionOf(db));
    rows = (await conn.query(sql))[0] as { id: unknown; payload: unknown }[];
    await conn.end();
  }
  const parse = (p: unknown) =>
    typeof p === 'string' ? (JSON.parse(p) as { soak: string }) : (p as { soak: string });
  return new Map(rows.map((r) => [String(r.id), parse(r.payload).soak]));
}

describe.each(['postgres', 'mysql'] as Driver[])('the soak writer on %s', (driver) => {
  let database: TestDatabase<object>;
  let db: TestDb;

  beforeAll(async () => {
    ({ database, db } = await createTestDb(driver, 'soak_writer'));
    expect(await runCommand(['migrate'], relayEnv(db))).toMatchObject({ code: 0 });
    await createLedger(db);
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('settles commits whose connection was lost from its ledger, and records exactly what the table holds', async () => {
    let commits = 0;
    const connect = async (target: TestDb): Promise<WriterConnection> => {
      const real = await openWriterConnection(target);
      return {
        ...real,
        async commit() {
          commits++;
          if (commits === 3) {
            // The server committed; the answer is lost.
            await real.commit();
            real.close();
            throw new Error('connection lost after COMMIT');
          }
          if (commits === 6) {
            // The connection dies before COMMIT reaches the server: the transaction is rolled back.
            real.close();
            throw new Error('connection lost before COMMIT');
          }
          await real.commit();
        },
      };
    };
    const writer = startWriter({
      db,
      random: seededRandom(7),
      shape: { topics: ['t0', 't1'], missingTopic: 'missing', keys: 10 },
      runId: 'w',
      transactionsPerSecond: 50,
      rowsPerTransaction: [1, 4],
      rollbackRatio: 0.2,
      log: () => undefined,
      connect,
    });
    await new Promise((r) => setTimeout(r, 1500));
    await writer.stop(10_000);

    const t = writer.record.transactions;
    expect({
      unknownCommitted: t.unknownCommitted,
      unknownAbsent: t.unknownAbsent,
      unsettled: t.unsettled,
    }).toEqual({
      unknownCommitted: 1,
      unknownAbsent: 1,
      unsettled: 0,
    });
    expect(t.rolledBack).toBeGreaterThan(0);
    const table = await tokensInTable(db);
    expect(new Map(writer.record.committed.map((r) => [r.id, r.token]))).toEqual(table);
    const inTable = new Set(table.values());
    expect(writer.record.notCommitted.filter((r) => inTable.has(r.token))).toEqual([]);
  });
});
