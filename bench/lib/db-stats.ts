// The database's own statistics, read before and after a phase, so the relay's cost per published row is
// measured by the server rather than guessed:
//
// PostgreSQL: pg_stat_statements for the statements run in the benchmark's own database (the local server
// preloads it), pg_stat_database for it (transactions, which also count the server's own transaction for
// each batch of notifications it delivers to a LISTEN connection; tuples returned/fetched/inserted/
// updated/deleted), and pg_stat_user_tables for the outbox table (rows
// read by sequential and index scans, rows inserted, updated, deleted). The counters are per database and
// per table, so other databases on the server do not count.
//
// MariaDB: information_schema.USER_STATISTICS for a user only the relay logs in as (SELECT, UPDATE and
// other commands, commits, rows read/updated), and TABLE_STATISTICS for the outbox table (rows read and
// changed); both exist while the server's `userstat` variable is on, which is dynamic (no restart): the
// benchmark turns it on for its run and restores it. SHOW GLOBAL STATUS (Questions, Com_*, Handler_*) is
// kept too; it counts the whole server, so it is only meaningful on an otherwise idle server.
//
// Reading the statistics costs statements of its own; a calibration (two snapshots back to back) measures
// that cost and it is subtracted.
import mysql from 'mysql2/promise';
import pg from 'pg';

export type Counters = Record<string, number>;

export interface StatsSource {
  snapshot(): Promise<Counters>;
  close(): Promise<void>;
}

export function delta(before: Counters, after: Counters): Counters {
  return Object.fromEntries(Object.keys(after).map((k) => [k, (after[k] ?? 0) - (before[k] ?? 0)]));
}

export function subtract(a: Counters, b: Counters): Counters {
  return Object.fromEntries(Object.keys(a).map((k) => [k, (a[k] ?? 0) - (b[k] ?? 0)]));
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Statistics of one PostgreSQL database and its outbox table. Each snapshot is one statement on a fresh
 * connection, closed at once: a backend flushes its counters when it exits, so the next snapshot sees them.
 */
export function postgresStats(config: pg.ClientConfig, table: string): StatsSource {
  return {
    async snapshot() {
      const client = new pg.Client(config);
      await client.connect();
      try {
        const { rows } = await client.query<Record<string, string>>(
          `SELECT d.xact_commit, d.xact_rollback, d.tup_returned, d.tup_fetched, d.tup_inserted, d.tup_updated,
                  d.tup_deleted, t.seq_scan, t.seq_tup_read, coalesce(t.idx_scan, 0) AS idx_scan,
                  coalesce(t.idx_tup_fetch, 0) AS idx_tup_fetch, t.n_tup_ins, t.n_tup_upd, t.n_tup_hot_upd,
                  t.n_tup_del
           FROM pg_stat_database d, pg_stat_user_tables t
           WHERE d.datname = current_database() AND t.relname = $1`,
          [table],
        );
        if (!rows[0]) throw new Error(`no statistics for table ${table}`);
        const counters = Object.fromEntries(Object.entries(rows[0]).map(([k, v]) => [k, Number(v)]));
        const statements = await statementCalls(client);
        return statements === undefined ? counters : { ...counters, pgss_statements: statements };
      } finally {
        await client.end();
        await pause(300);
      }
    },
    async close() {},
  };
}

/**
 * Statements run in this database other than INSERTs (the application's) and the statistics queries, from
 * pg_stat_statements (top-level statements only, so the trigger's pg_notify is not one), or undefined when
 * the server was not started with it in shared_preload_libraries (the local servers are).
 */
async function statementCalls(client: pg.Client): Promise<number | undefined> {
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const { rows } = await client.query<{ calls: string }>(
      `SELECT coalesce(sum(calls), 0) AS calls FROM pg_stat_statements
       WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND query !~* '^\\s*insert\\s' AND query NOT LIKE '%pg_stat%' AND query NOT LIKE '%pg_database%'`,
    );
    return Number(rows[0]?.calls ?? 0);
  } catch {
    return undefined;
  }
}

const GLOBAL_STATUS = [
  'Questions',
  'Com_select',
  'Com_update',
  'Com_insert',
  'Com_delete',
  'Com_begin',
  'Com_commit',
  'Handler_read_key',
  'Handler_read_next',
  'Handler_read_rnd_next',
  'Handler_update',
  'Handler_write',
];

/**
 * Statistics of the relay's own MariaDB user and of the outbox table, plus the server's global status.
 * `admin` is a connection of another user, so reading does not count as the relay's work.
 */
export async function mariadbStats(
  admin: mysql.ConnectionOptions,
  relayUser: string,
  schema: string,
  table: string,
): Promise<StatsSource> {
  const conn = await mysql.createConnection(admin);
  const [[before]] = await conn.query<mysql.RowDataPacket[]>('SELECT @@GLOBAL.userstat AS userstat');
  const previous = Number(before?.userstat ?? 0);
  if (previous === 0) await conn.query('SET GLOBAL userstat = 1');
  return {
    async snapshot() {
      const [users] = await conn.query<mysql.RowDataPacket[]>(
        `SELECT SELECT_COMMANDS, UPDATE_COMMANDS, OTHER_COMMANDS, COMMIT_TRANSACTIONS, ROLLBACK_TRANSACTIONS,
                ROWS_READ, ROWS_SENT, ROWS_UPDATED, ROWS_INSERTED, ROWS_DELETED, TOTAL_CONNECTIONS
         FROM information_schema.USER_STATISTICS WHERE USER = ?`,
        [relayUser],
      );
      const [tables] = await conn.query<mysql.RowDataPacket[]>(
        `SELECT ROWS_READ, ROWS_CHANGED, ROWS_CHANGED_X_INDEXES FROM information_schema.TABLE_STATISTICS
         WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?`,
        [schema, table],
      );
      const [status] = await conn.query<mysql.RowDataPacket[]>(
        `SHOW GLOBAL STATUS WHERE Variable_name IN (${GLOBAL_STATUS.map(() => '?').join(', ')})`,
        GLOBAL_STATUS,
      );
      const counters: Counters = {};
      const user: Record<string, unknown> = users[0] ?? {};
      for (const k of [
        'SELECT_COMMANDS',
        'UPDATE_COMMANDS',
        'OTHER_COMMANDS',
        'COMMIT_TRANSACTIONS',
        'ROLLBACK_TRANSACTIONS',
        'ROWS_READ',
        'ROWS_SENT',
        'ROWS_UPDATED',
        'ROWS_INSERTED',
        'ROWS_DELETED',
        'TOTAL_CONNECTIONS',
      ]) {
        counters[`user.${k.toLowerCase()}`] = Number(user[k] ?? 0);
      }
      const t: Record<string, unknown> = tables[0] ?? {};
      for (const k of ['ROWS_READ', 'ROWS_CHANGED', 'ROWS_CHANGED_X_INDEXES']) {
        counters[`table.${k.toLowerCase()}`] = Number(t[k] ?? 0);
      }
      for (const row of status) counters[`global.${String(row.Variable_name)}`] = Number(row.Value);
      return counters;
    },
    async close() {
      if (previous === 0) await conn.query('SET GLOBAL userstat = 0').catch(() => undefined);
      await conn.end();
    },
  };
}

/** The cost of taking a snapshot, from two taken back to back. */
export async function calibrate(source: StatsSource): Promise<Counters> {
  const a = await source.snapshot();
  const b = await source.snapshot();
  return delta(a, b);
}
