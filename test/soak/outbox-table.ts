// What the checker reads from the outbox table at the end: how many rows still wait, and the errored rows
// with their reasons. (Published rows may be gone already, deleted by cleanup: delivery is judged from
// Kafka, never from this table.)
import mysql from 'mysql2/promise';
import pg from 'pg';
import { connectionOf, type TestDb } from '../support/relay-harness.js';

async function query(db: TestDb, sql: string): Promise<Record<string, unknown>[]> {
  if (db.driver === 'postgres') {
    const client = new pg.Client({ ...connectionOf(db), connectionTimeoutMillis: 5_000 });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  const conn = await mysql.createConnection({ ...connectionOf(db), connectTimeout: 5_000 });
  conn.on('error', () => undefined);
  try {
    return (await conn.query(sql))[0] as Record<string, unknown>[];
  } finally {
    await conn.end().catch(() => undefined);
  }
}

/** Rows neither published nor errored. */
export async function pendingRows(db: TestDb): Promise<number> {
  const rows = await query(
    db,
    'SELECT count(*) AS n FROM kafka_outbox WHERE push_completed_at IS NULL AND errored = 0',
  );
  return Number(rows[0]!.n);
}

/** The table's identity (the outbox-source header), from the relay's meta table. */
export async function tableIdentity(db: TestDb): Promise<string | undefined> {
  const rows = await query(db, "SELECT value FROM kafka_outbox_relay_meta WHERE name = 'identity'");
  return rows[0]?.value === undefined ? undefined : String(rows[0].value);
}

export interface ErroredRow {
  id: string;
  reason: string;
}

export async function erroredRows(db: TestDb): Promise<ErroredRow[]> {
  const rows = await query(
    db,
    'SELECT id, error_reason AS reason FROM kafka_outbox WHERE errored <> 0 ORDER BY id',
  );
  return rows.map((r) => ({ id: String(r.id), reason: String(r.reason ?? '') }));
}
