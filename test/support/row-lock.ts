// A fault at a point the test controls: the test holds a row lock on one outbox row, so the relay can
// read and send that row (reads take no row locks) but blocks when it marks it published. The test waits
// until a session is blocked on the lock (the server says so), which is the moment the relay has sent the
// row and not yet marked it, whatever the machine's speed.
import mysql from 'mysql2/promise';
import pg from 'pg';
import { connectionOf, pgQuery, type TestDb } from './relay-harness.js';

export interface RowLock {
  /** Sessions of the test database blocked on the held lock. */
  waiters(): Promise<number>;
  /**
   * Ends the sessions blocked on the lock, then releases it. A killed client's session stays blocked on
   * the server until the lock goes; ending it first means its statement never runs after the kill.
   */
  release(): Promise<void>;
}

export async function lockRow(db: TestDb, id: string, table = 'kafka_outbox'): Promise<RowLock> {
  return db.driver === 'postgres' ? lockPostgresRow(db, id, table) : lockMysqlRow(db, id, table);
}

async function lockPostgresRow(db: TestDb, id: string, table: string): Promise<RowLock> {
  const client = new pg.Client(connectionOf(db));
  await client.connect();
  await client.query('begin');
  const locked = await client.query(`select id from ${table} where id = $1 for update`, [id]);
  if (locked.rowCount !== 1) throw new Error(`row ${id} of ${table} not found`);
  const holder = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
  // Asked on a connection of its own each time: inside the holder's transaction pg_stat_activity is one
  // snapshot taken at its first read, which would never show a waiter that came later.
  const blocked = `from pg_stat_activity where $1::int = any(pg_blocking_pids(pid))`;
  return {
    async waiters() {
      return (await pgQuery<{ n: number }>(db, `select count(*)::int as n ${blocked}`, [holder]))[0]!.n;
    },
    async release() {
      await pgQuery(db, `select pg_terminate_backend(pid) ${blocked}`, [holder]);
      await client.query('rollback');
      await client.end();
    },
  };
}

async function lockMysqlRow(db: TestDb, id: string, table: string): Promise<RowLock> {
  const conn = await mysql.createConnection(connectionOf(db));
  await conn.beginTransaction();
  const [locked] = await conn.query<mysql.RowDataPacket[]>(
    `SELECT id FROM ${table} WHERE id = ? FOR UPDATE`,
    [id],
  );
  if (locked.length !== 1) throw new Error(`row ${id} of ${table} not found`);
  // INNODB_TRX and PROCESSLIST exist in MariaDB and MySQL 8 alike; the test database is the test's own.
  const blockedThreads = async (): Promise<number[]> => {
    const [rows] = await conn.query<mysql.RowDataPacket[]>(
      `SELECT t.trx_mysql_thread_id AS thread FROM information_schema.INNODB_TRX t
         JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id
        WHERE t.trx_state = 'LOCK WAIT' AND p.DB = ? AND p.ID <> CONNECTION_ID()`,
      [db.name],
    );
    return rows.map((r) => Number(r.thread));
  };
  return {
    async waiters() {
      return (await blockedThreads()).length;
    },
    async release() {
      for (const thread of await blockedThreads()) {
        await conn.query(`KILL ${thread}`).catch(() => undefined);
      }
      await conn.rollback();
      await conn.end();
    },
  };
}
