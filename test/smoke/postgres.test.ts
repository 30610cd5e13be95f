import pg from 'pg';
import { createPostgresDatabase, type TestDatabase } from '../support/servers.js';

describe('the local PostgreSQL server', () => {
  let db: TestDatabase<pg.ClientConfig>;
  let client: pg.Client;

  beforeAll(async () => {
    db = await createPostgresDatabase('smoke_pg');
    client = new pg.Client(db.config);
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it('is a real PostgreSQL server of the pinned major version', async () => {
    const { rows } = await client.query<{ server_version_num: string }>('show server_version_num');
    expect(Math.floor(Number(rows[0]!.server_version_num) / 10000)).toBe(15);
  });

  it('round-trips a committed row and forgets a rolled-back one', async () => {
    await client.query('create table t (id bigserial primary key, payload json not null)');
    await client.query('begin');
    await client.query(`insert into t (payload) values ('{"a":1}')`);
    await client.query('commit');
    await client.query('begin');
    await client.query(`insert into t (payload) values ('{"a":2}')`);
    await client.query('rollback');
    const { rows } = await client.query<{ payload: { a: number } }>('select payload from t order by id');
    expect(rows.map((r) => r.payload)).toEqual([{ a: 1 }]);
  });

  it('supports FOR UPDATE SKIP LOCKED, which the relay claims rows with', async () => {
    await client.query('create table q (id int primary key)');
    await client.query('insert into q values (1), (2)');
    const other = new pg.Client(db.config);
    await other.connect();
    try {
      await client.query('begin');
      await client.query('select id from q where id = 1 for update');
      const { rows } = await other.query<{ id: number }>(
        'select id from q order by id for update skip locked',
      );
      expect(rows.map((r) => r.id)).toEqual([2]);
      await client.query('rollback');
    } finally {
      await other.end();
    }
  });
});
