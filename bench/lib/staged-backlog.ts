// A backlog that appears all at once: its rows are written first to a staging table beside the outbox (no
// relay reads it), then moved into the outbox by one INSERT ... SELECT, so that relays already running
// find the whole backlog committed at one instant. The scale-out benchmark starts its relays and lets them
// split the shares before that instant, so that the drain it times is not a start-up nor a rebalance.
import mysql from 'mysql2/promise';
import pg from 'pg';
import { devenv, devenvPostgres } from '../../test/support/servers.js';
import { keyOf, TABLE, type Workload } from './outbox.js';

export const STAGING = `${TABLE}_staging`;
const COLUMNS = 'topic, payload_json, payload_headers, partition_key';

/** Runs statements in the workload's database as the local servers' administrator (not the relay's user). */
async function asAdmin(workload: Workload, statements: string[]): Promise<void> {
  if (workload.driver === 'postgres') {
    const client = new pg.Client({ ...devenvPostgres(), database: workload.database });
    await client.connect();
    try {
      for (const sql of statements) await client.query(sql);
    } finally {
      await client.end();
    }
    return;
  }
  const env = devenv();
  const conn = await mysql.createConnection({
    host: env.MYSQL_HOST,
    port: Number(env.MYSQL_PORT),
    user: env.MYSQL_USER,
    password: env.MYSQL_PASSWORD,
    database: workload.database,
  });
  try {
    for (const sql of statements) await conn.query(sql);
  } finally {
    await conn.end();
  }
}

/** Writes `rows` rows over `keys` keys to the staging table (created like the outbox, without its trigger). */
export async function stageBacklog(workload: Workload, rows: number, keys: number): Promise<void> {
  await asAdmin(workload, [
    workload.driver === 'postgres'
      ? `CREATE TABLE ${STAGING} (LIKE ${TABLE} INCLUDING DEFAULTS INCLUDING IDENTITY)`
      : `CREATE TABLE ${STAGING} LIKE ${TABLE}`,
  ]);
  const chunk = workload.driver === 'postgres' ? 5000 : 2000;
  for (let start = 0; start < rows; start += chunk) {
    const seqs = Array.from({ length: Math.min(chunk, rows - start) }, (_, i) => start + i);
    await workload.insert(
      seqs.map((seq) => ({ seq, key: keyOf(seq, keys) })),
      STAGING,
    );
  }
  await workload.endWriters();
}

/** Moves the staged rows into the outbox in one statement (one transaction), in their order. */
export async function releaseBacklog(workload: Workload): Promise<void> {
  const key = workload.driver === 'postgres' ? 'key' : '`key`';
  await asAdmin(workload, [
    `INSERT INTO ${TABLE} (${COLUMNS}, ${key}) SELECT ${COLUMNS}, ${key} FROM ${STAGING} ORDER BY id`,
    workload.driver === 'postgres' ? `ANALYZE ${TABLE}` : `ANALYZE TABLE ${TABLE}`,
  ]);
}
