// One database connection of the writer, the way an application writes its outbox: a transaction of
// inserts, plus one row in a ledger table of the writer's own naming the transaction. The ledger is how the
// writer learns, after a connection was lost during COMMIT, whether that commit happened: the relay and the
// cleanup job never touch it.
import mysql from 'mysql2/promise';
import pg from 'pg';
import { connectionOf, type TestDb } from '../support/relay-harness.js';

export const LEDGER_TABLE = 'soak_ledger';

export interface OutboxInsert {
  topic: string;
  payload: string;
  headers: string;
  key: string;
  partitionKey: string;
}

export interface WriterConnection {
  begin(): Promise<void>;
  /** Inserts one outbox row; returns its id. */
  insert(row: OutboxInsert): Promise<string>;
  /** Records the transaction in the ledger (inside the transaction). */
  record(transaction: string): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  /** Whether a transaction's ledger row exists, i.e. whether it committed. */
  committed(transaction: string): Promise<boolean>;
  close(): void;
}

/** Any single statement taking longer than this counts as a lost connection. */
const STATEMENT_TIMEOUT_MS = 20_000;

function withTimeout<T>(work: Promise<T>, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new Error(`statement took over ${STATEMENT_TIMEOUT_MS} ms`));
    }, STATEMENT_TIMEOUT_MS);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

async function openPostgres(db: TestDb): Promise<WriterConnection> {
  const client = new pg.Client({ ...connectionOf(db), connectionTimeoutMillis: 5_000 });
  // A server restart ends the connection with an 'error' event; the next statement then fails.
  client.on('error', () => undefined);
  await client.connect();
  const kill = () => void client.end().catch(() => undefined);
  const q = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []) =>
    withTimeout(client.query<R>(text, values), kill);
  return {
    begin: async () => void (await q('BEGIN')),
    insert: async (r) => {
      const { rows } = await q<{ id: string }>(
        'INSERT INTO kafka_outbox (topic, payload_json, payload_headers, key, partition_key) VALUES ($1, $2, $3, $4, $5) RETURNING id::text AS id',
        [r.topic, r.payload, r.headers, r.key, r.partitionKey],
      );
      return rows[0]!.id;
    },
    record: async (t) => void (await q(`INSERT INTO ${LEDGER_TABLE} (txn) VALUES ($1)`, [t])),
    commit: async () => void (await q('COMMIT')),
    rollback: async () => void (await q('ROLLBACK')),
    committed: async (t) => (await q(`SELECT 1 FROM ${LEDGER_TABLE} WHERE txn = $1`, [t])).rows.length > 0,
    close: kill,
  };
}

async function openMysql(db: TestDb): Promise<WriterConnection> {
  const conn = await mysql.createConnection({ ...connectionOf(db), connectTimeout: 5_000 });
  conn.on('error', () => undefined);
  const kill = () => conn.destroy();
  const q = <R extends mysql.RowDataPacket[] | mysql.ResultSetHeader>(sql: string, values: unknown[] = []) =>
    withTimeout(conn.query<R>(sql, values), kill);
  return {
    begin: async () => void (await q('BEGIN')),
    insert: async (r) => {
      const [result] = await q<mysql.ResultSetHeader>(
        'INSERT INTO kafka_outbox (topic, payload_json, payload_headers, `key`, partition_key) VALUES (?, ?, ?, ?, ?)',
        [r.topic, r.payload, r.headers, r.key, r.partitionKey],
      );
      return String(result.insertId);
    },
    record: async (t) => void (await q(`INSERT INTO ${LEDGER_TABLE} (txn) VALUES (?)`, [t])),
    commit: async () => void (await q('COMMIT')),
    rollback: async () => void (await q('ROLLBACK')),
    committed: async (t) =>
      (await q<mysql.RowDataPacket[]>(`SELECT 1 FROM ${LEDGER_TABLE} WHERE txn = ?`, [t]))[0].length > 0,
    close: kill,
  };
}

export function openWriterConnection(db: TestDb): Promise<WriterConnection> {
  return db.driver === 'postgres' ? openPostgres(db) : openMysql(db);
}

/** Creates the ledger table (once, before the writer starts). */
export async function createLedger(db: TestDb): Promise<void> {
  if (db.driver === 'postgres') {
    const client = new pg.Client(connectionOf(db));
    await client.connect();
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS ${LEDGER_TABLE} (txn varchar(64) PRIMARY KEY)`);
    } finally {
      await client.end();
    }
  } else {
    const conn = await mysql.createConnection(connectionOf(db));
    try {
      await conn.query(
        `CREATE TABLE IF NOT EXISTS ${LEDGER_TABLE} (txn varchar(64) PRIMARY KEY) ENGINE=InnoDB`,
      );
    } finally {
      await conn.end();
    }
  }
}
