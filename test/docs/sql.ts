// The SQL examples' databases: a scratch database per server, its outbox table made by `outbox-relay
// migrate` and an application's `orders` table (order 42) that the examples update; each example runs as
// the doc shows it, all its statements in one go, on a connection of its own.
import mysql from 'mysql2/promise';
import pg from 'pg';
import {
  connectionOf,
  createTestDb,
  dbQuery,
  relayEnv,
  runCommand,
  type Driver,
  type TestDb,
} from '../support/relay-harness.js';
import type { TestDatabase } from '../support/servers.js';

export interface SqlDatabase {
  db: TestDb;
  drop(): Promise<void>;
}

const ORDERS: Record<Driver, string> = {
  postgres: 'CREATE TABLE orders (id bigint PRIMARY KEY, status text NOT NULL)',
  mysql: 'CREATE TABLE orders (id bigint PRIMARY KEY, status varchar(32) NOT NULL)',
};

export async function createSqlDatabase(driver: Driver): Promise<SqlDatabase> {
  const { database, db }: { database: TestDatabase<object>; db: TestDb } = await createTestDb(
    driver,
    'doc_sql',
  );
  const migrated = await runCommand(['migrate'], relayEnv(db));
  if (migrated.code !== 0) throw new Error(`outbox-relay migrate failed: ${migrated.output}`);
  await dbQuery(db, ORDERS[driver]);
  return { db, drop: () => database.drop() };
}

/** Empties the outbox and puts order 42 back to new, so every example starts from the same rows. */
export async function resetRows(db: TestDb): Promise<void> {
  await dbQuery(db, 'DELETE FROM kafka_outbox');
  await dbQuery(db, 'DELETE FROM orders');
  await dbQuery(db, "INSERT INTO orders (id, status) VALUES (42, 'new')");
}

/** Runs an example's statements as one text; the rows of the last statement that returned rows. */
export async function runSql(db: TestDb, text: string): Promise<Record<string, unknown>[]> {
  if (db.driver === 'postgres') {
    const client = new pg.Client(connectionOf(db));
    await client.connect();
    try {
      const results = [(await client.query(text)) as pg.QueryResult | pg.QueryResult[]].flat();
      return results.filter((r) => r.command === 'SELECT').at(-1)?.rows ?? [];
    } finally {
      await client.end();
    }
  }
  const conn = await mysql.createConnection({ ...connectionOf(db), multipleStatements: true });
  try {
    const [results] = await conn.query(text);
    const sets = Array.isArray(results) && results.some(Array.isArray) ? results : [results];
    return (sets.filter(Array.isArray).at(-1) ?? []) as Record<string, unknown>[];
  } finally {
    await conn.end();
  }
}
