// Regression test for what the MariaDB soak found: per-key order broke when a claim ran while the writer
// committed a transaction of many rows. A locking read (FOR UPDATE SKIP LOCKED) sees the newest rows as it
// scans, so the first rows of a transaction committing mid-scan were skipped (still locked) and its later
// rows claimed and published first. A claim must take a transaction's rows all or none: here a writer
// commits 40-row transactions in a loop while a store claims and marks as fast as it can, and no claim may
// take a row of a transaction while an earlier row of that transaction is still unclaimed.
import mysql from 'mysql2/promise';
import pg from 'pg';
import { createStore } from '../../relay/db/create-store.js';
import type { OutboxStore } from '../../relay/db/store.js';
import { createLogger } from '../../relay/logger.js';
import { connectionOf, createTestDb, type Driver, type TestDb } from '../support/relay-harness.js';
import type { TestDatabase } from '../support/servers.js';

const ROWS_PER_TRANSACTION = 40;
const TRANSACTIONS = 150;
const MAX_MS = 60_000;

/** Commits TRANSACTIONS transactions of ROWS_PER_TRANSACTION rows of one key; returns each id's transaction. */
async function writeTransactions(
  db: TestDb,
  txnOf: Map<string, number>,
  stopped: () => boolean,
): Promise<void> {
  const insert =
    db.driver === 'postgres'
      ? "INSERT INTO kafka_outbox (topic, payload_json, payload_headers, key) VALUES ('t', '{}', '{}', 'k') RETURNING id::text AS id"
      : "INSERT INTO kafka_outbox (topic, payload_json, payload_headers, `key`) VALUES ('t', '{}', '{}', 'k')";
  const pgClient = db.driver === 'postgres' ? new pg.Client(connectionOf(db)) : undefined;
  const myConn = db.driver === 'mysql' ? await mysql.createConnection(connectionOf(db)) : undefined;
  await pgClient?.connect();
  const run = async (sql: string): Promise<string | undefined> => {
    if (pgClient) return (await pgClient.query<{ id?: string }>(sql)).rows[0]?.id;
    const [result] = await myConn!.query<mysql.ResultSetHeader>(sql);
    return result.insertId ? String(result.insertId) : undefined;
  };
  try {
    for (let t = 1; t <= TRANSACTIONS && !stopped(); t++) {
      await run('BEGIN');
      for (let i = 0; i < ROWS_PER_TRANSACTION; i++) txnOf.set((await run(insert))!, t);
      await run('COMMIT');
    }
  } finally {
    await pgClient?.end();
    await myConn?.end();
  }
}

describe.each(['postgres', 'mysql'] as Driver[])('a claim on %s', (driver) => {
  let database: TestDatabase<object>;
  let store: OutboxStore;
  let db: TestDb;

  beforeAll(async () => {
    ({ database, db } = await createTestDb(driver, 'claim_atomicity'));
    store = await createStore(
      {
        ...connectionOf(db),
        driver,
        database: db.name,
        table: 'kafka_outbox',
        tls: { mode: 'disable' },
        poolSize: 2,
      },
      createLogger({ level: 'silent' }),
    );
    await store.migrate();
  });

  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it("takes a transaction's rows all or none, even while that transaction commits", async () => {
    const txnOf = new Map<string, number>();
    const claimed = new Set<string>();
    const partial: string[] = [];
    const deadline = Date.now() + MAX_MS;
    let written = false;
    const writing = writeTransactions(db, txnOf, () => Date.now() > deadline).finally(() => (written = true));
    // Claim until the writer is done and nothing is left.
    for (;;) {
      const wasWritten = written;
      const { batchId, rows } = await store.claim(1000, 600_000);
      const ids = new Set(rows.map((r) => r.id));
      for (const row of rows) {
        const t = txnOf.get(row.id);
        const earlier = [...txnOf].find(
          ([id, of]) => of === t && BigInt(id) < BigInt(row.id) && !claimed.has(id) && !ids.has(id),
        );
        if (earlier) partial.push(`row ${row.id} of transaction ${t} claimed before row ${earlier[0]}`);
      }
      rows.forEach((r) => claimed.add(r.id));
      if (rows.length > 0) await store.markPublished(batchId, [...ids]);
      if (wasWritten && rows.length === 0) break;
    }
    await writing;
    expect(partial.slice(0, 5)).toEqual([]);
    expect(claimed.size).toBe(txnOf.size);
    expect(txnOf.size).toBeGreaterThan(0);
  });
});
