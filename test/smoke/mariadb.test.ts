import mysql from 'mysql2/promise';
import { createMysqlDatabase, type TestDatabase } from '../support/servers.js';

describe('the local MariaDB server', () => {
  let db: TestDatabase<mysql.ConnectionOptions>;
  let conn: mysql.Connection;

  beforeAll(async () => {
    db = await createMysqlDatabase('smoke_mysql');
    conn = await mysql.createConnection(db.config);
  });

  afterAll(async () => {
    await conn?.end();
    await db?.drop();
  });

  it('is a real MariaDB server', async () => {
    const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT VERSION() AS v');
    expect(String(rows[0]!.v)).toMatch(/MariaDB/);
  });

  it('round-trips a committed row and forgets a rolled-back one', async () => {
    await conn.query(
      'CREATE TABLE t (id BIGINT AUTO_INCREMENT PRIMARY KEY, payload JSON NOT NULL) ENGINE=InnoDB',
    );
    await conn.beginTransaction();
    await conn.query(`INSERT INTO t (payload) VALUES ('{"a":1}')`);
    await conn.commit();
    await conn.beginTransaction();
    await conn.query(`INSERT INTO t (payload) VALUES ('{"a":2}')`);
    await conn.rollback();
    const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT payload FROM t ORDER BY id');
    expect(rows.map((r) => (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload))).toEqual([
      { a: 1 },
    ]);
  });

  it('supports FOR UPDATE SKIP LOCKED, which the relay claims rows with', async () => {
    await conn.query('CREATE TABLE q (id INT PRIMARY KEY) ENGINE=InnoDB');
    await conn.query('INSERT INTO q VALUES (1), (2)');
    const other = await mysql.createConnection(db.config);
    try {
      await conn.beginTransaction();
      await conn.query('SELECT id FROM q WHERE id = 1 FOR UPDATE');
      const [rows] = await other.query<mysql.RowDataPacket[]>(
        'SELECT id FROM q ORDER BY id FOR UPDATE SKIP LOCKED',
      );
      expect(rows.map((r) => r.id)).toEqual([2]);
      await conn.rollback();
    } finally {
      await other.end();
    }
  });
});
