// What the shares tests need beyond the store harness, in each dialect's SQL and on connections of their
// own: the share the database gives a row, the plan of a statement, the share index's definition, sessions
// waiting on a lock, and a way to leave an invalid share index behind (an interrupted CONCURRENTLY build).
import mysql from 'mysql2/promise';
import pg from 'pg';
import { shareExpression } from '../../../relay/db/postgres/share-expression.js';
import type { Driver, StoreConfig } from '../../../relay/db/store.js';

export interface ShareHarness {
  driver: Driver;
  /** The share of each row, as the database computes it (the index's expression, the virtual column). */
  sharesOf(table: string, ids: string[]): Promise<Map<string, number>>;
  /** The plan of a statement (EXPLAIN, as text). */
  explain(sql: string, values: unknown[]): Promise<string>;
  /** The share index's definition and whether it is valid, or undefined when there is none. */
  shareIndex(table: string): Promise<{ definition: string; valid: boolean } | undefined>;
  /** How many sessions of the test database are waiting for a lock. */
  lockWaiters(): Promise<number>;
  /** Runs any statement (setting the scene). */
  exec(sql: string, values?: unknown[]): Promise<void>;
  close(): Promise<void>;
}

export async function postgresShareHarness(config: StoreConfig): Promise<ShareHarness> {
  const connection = {
    host: config.host,
    port: config.port,
    user: config.user,
    password: config.password,
    database: config.database,
  };
  // A fresh connection per question: pg_stat_activity is a snapshot taken once per transaction.
  async function query(sql: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
    const client = new pg.Client(connection);
    await client.connect();
    try {
      return (await client.query(sql, values)).rows;
    } finally {
      await client.end();
    }
  }
  return {
    driver: 'postgres',
    async sharesOf(table, ids) {
      const rows = await query(
        `SELECT id::text AS id, ${shareExpression()} AS share FROM "${table}" WHERE id = ANY($1::bigint[])`,
        [ids],
      );
      return new Map(rows.map((row) => [String(row.id), Number(row.share)]));
    },
    async explain(sql, values) {
      const rows = await query(`EXPLAIN ${sql}`, values);
      return rows.map((row) => String(row['QUERY PLAN'])).join('\n');
    },
    async shareIndex(table) {
      const [row] = await query(
        `SELECT pg_get_indexdef(i.indexrelid) AS definition, i.indisvalid AS valid FROM pg_index i
         WHERE i.indexrelid = to_regclass($1)`,
        [`"${table}_relay_share"`],
      );
      return row === undefined
        ? undefined
        : { definition: String(row.definition), valid: row.valid === true };
    },
    async lockWaiters() {
      const [row] = await query(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      return Number(row!.n);
    },
    async exec(sql, values) {
      await query(sql, values);
    },
    async close() {},
  };
}

export async function mysqlShareHarness(config: StoreConfig): Promise<ShareHarness> {
  const options: mysql.ConnectionOptions = {
    host: config.host,
    port: config.port,
    user: config.user,
    password: config.password,
    database: config.database,
    supportBigNumbers: true,
    bigNumberStrings: true,
  };
  const admin = await mysql.createConnection(options);
  async function query(sql: string, values: unknown[] = []): Promise<mysql.RowDataPacket[]> {
    return (await admin.query<mysql.RowDataPacket[]>(sql, values))[0];
  }
  return {
    driver: 'mysql',
    async sharesOf(table, ids) {
      const rows = await query(`SELECT id, relay_share AS share FROM \`${table}\` WHERE id IN (?)`, [ids]);
      return new Map(rows.map((row) => [String(row.id), Number(row.share)]));
    },
    async explain(sql, values) {
      const rows = await query(`EXPLAIN ${sql}`, values);
      return rows.map((row) => `${row.table} ${row.type} key=${row.key} ${row.Extra ?? ''}`).join('\n');
    },
    async shareIndex(table) {
      const rows = await query(
        `SELECT GROUP_CONCAT(column_name ORDER BY seq_in_index SEPARATOR ',') AS cols
         FROM information_schema.statistics
         WHERE table_schema = DATABASE() AND table_name = ? AND index_name = ?
         GROUP BY index_name`,
        [table, `${table}_relay_share`],
      );
      return rows[0] === undefined ? undefined : { definition: String(rows[0].cols), valid: true };
    },
    async lockWaiters() {
      const [row] = await query(
        `SELECT COUNT(*) AS n FROM information_schema.INNODB_TRX t
           JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id
          WHERE t.trx_state = 'LOCK WAIT' AND p.DB = DATABASE()`,
      );
      return Number(row!.n);
    },
    async exec(sql, values) {
      await query(sql, values);
    },
    async close() {
      await admin.end();
    },
  };
}
