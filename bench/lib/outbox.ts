// The relay benchmarks' workload: a database of its own with the relay's table, a 6-partition topic of its
// own, 256-byte JSON payloads over 1,000 distinct keys, written as an application writes them, and the
// relay's environment for it (the relay's defaults unless a flag says otherwise).
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import {
  createMysqlDatabase,
  createPostgresDatabase,
  createTopic,
  devenv,
  devenvPostgres,
  kafkaBrokers,
  withAdmin,
  type TestDatabase,
} from '../../test/support/servers.js';
import { mariadbStats, postgresStats, type StatsSource } from './db-stats.js';
import type { RelayFrom } from './relay-process.js';
import { runRelayCommand } from './relay-process.js';

export type Driver = 'postgres' | 'mysql';
export const DRIVERS = ['postgres', 'mysql'] as const;
export const TABLE = 'kafka_outbox';
export const PAYLOAD_BYTES = 256;

/** A JSON object of exactly PAYLOAD_BYTES bytes whose first member is the sequence number. */
export function payload(seq: number): string {
  const head = `{"seq":${seq},"type":"order.created","pad":"`;
  const tail = '"}';
  return head + 'x'.repeat(PAYLOAD_BYTES - head.length - tail.length) + tail;
}

export function keyOf(seq: number, keys: number): string {
  return `customer-${seq % keys}`;
}

/** The sequence number back from a payload (the first member, so no full parse is needed). */
export function seqOf(value: Buffer | string): number {
  const text = typeof value === 'string' ? value.slice(0, 24) : value.subarray(0, 24).toString('latin1');
  return Number(/^\{"seq":(\d+)/.exec(text)?.[1] ?? NaN);
}

export interface Workload {
  driver: Driver;
  database: string;
  topic: string;
  /** The relay's environment (DB_*, KAFKA_HOST and the settings given). */
  relayEnv: Record<string, string>;
  /** A connection pool for writing rows as the application (not the relay's database user on MariaDB). */
  insert(rows: Array<{ seq: number; key: string }>, table?: string): Promise<void>;
  /** Inserts one row in its own transaction (autocommit). */
  insertOne(seq: number, key: string): Promise<void>;
  /** Closes the application's connections, so the server counts their work (it does so at disconnect). */
  endWriters(): Promise<void>;
  /** Published and pending counts, read on a connection of its own. */
  counts(): Promise<{ published: number; pending: number }>;
  stats: StatsSource;
  /** Refreshes the planner's statistics after a bulk load (VACUUM ANALYZE / ANALYZE TABLE). */
  analyze(table?: string): Promise<void>;
  remove(): Promise<void>;
}

export interface WorkloadOptions {
  driver: Driver;
  prefix: string;
  relayFrom: RelayFrom;
  settings: Record<string, string>;
  partitions: number;
  /** Connections for the application's writes. */
  writers?: number;
}

export async function createWorkload(o: WorkloadOptions): Promise<Workload> {
  const topic = await createTopic(o.prefix, o.partitions);
  const common = { KAFKA_HOST: kafkaBrokers().join(','), LOG_LEVEL: 'info', ...o.settings };
  if (o.driver === 'postgres') {
    const db = await createPostgresDatabase(o.prefix);
    const relayEnv = {
      DB_DRIVER: 'postgres',
      DB_HOST: String(db.config.host),
      DB_PORT: String(db.config.port),
      DB_USER: String(db.config.user),
      DB_PASS: String(db.config.password),
      DB_NAME: db.name,
      ...common,
    };
    await runRelayCommand(o.relayFrom, ['migrate'], relayEnv);
    return postgresWorkload(db, topic, relayEnv, o.writers ?? 4);
  }
  const db = await createMysqlDatabase(o.prefix);
  // The relay logs in as a user of its own, so the server's per-user statistics are the relay's alone.
  const user = `bench_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  const admin = await mysql.createConnection({ ...db.config, database: undefined });
  try {
    await admin.query(`CREATE USER ?@'%' IDENTIFIED BY ?`, [user, password]);
    await admin.query(`GRANT ALL PRIVILEGES ON \`${db.name}\`.* TO ?@'%'`, [user]);
  } finally {
    await admin.end();
  }
  const relayEnv = {
    DB_DRIVER: 'mysql',
    DB_HOST: String(db.config.host),
    DB_PORT: String(db.config.port),
    DB_USER: user,
    DB_PASS: password,
    DB_NAME: db.name,
    ...common,
  };
  await runRelayCommand(o.relayFrom, ['migrate'], relayEnv);
  const stats = await mariadbStats({ ...db.config, database: undefined }, user, db.name, TABLE);
  return mysqlWorkload(db, user, topic, relayEnv, o.writers ?? 4, stats);
}

/** `outbox` is the relay's table (OUTBOX_TABLE); `stats` defaults to the server's statistics of it. */
export function postgresWorkload(
  db: TestDatabase<pg.ClientConfig>,
  topic: string,
  relayEnv: Record<string, string>,
  writers: number,
  outbox = TABLE,
  stats: StatsSource = postgresStats(db.config, outbox),
): Workload {
  let current: pg.Pool | undefined;
  const pool = (): pg.Pool => {
    if (!current) {
      current = new pg.Pool({ ...db.config, max: writers });
      current.on('error', () => undefined);
    }
    return current;
  };
  const endWriters = async () => {
    const p = current;
    current = undefined;
    await p?.end().catch(() => undefined);
  };
  return {
    driver: 'postgres',
    database: db.name,
    topic,
    relayEnv,
    async insert(rows, table = outbox) {
      await pool().query(
        `INSERT INTO ${table} (topic, payload_json, payload_headers, key, partition_key)
         SELECT $1, p::json, '{}', k, '' FROM unnest($2::text[], $3::text[]) AS r(p, k)`,
        [topic, rows.map((r) => payload(r.seq)), rows.map((r) => r.key)],
      );
    },
    async insertOne(seq, key) {
      await pool().query(
        `INSERT INTO ${outbox} (topic, payload_json, payload_headers, key, partition_key) VALUES ($1, $2, '{}', $3, '')`,
        [topic, payload(seq), key],
      );
    },
    endWriters,
    async counts() {
      const client = new pg.Client(db.config);
      await client.connect();
      try {
        const { rows } = await client.query<{ published: string; pending: string }>(
          `SELECT count(*) FILTER (WHERE push_completed_at IS NOT NULL) AS published,
                  count(*) FILTER (WHERE push_completed_at IS NULL) AS pending FROM ${outbox}`,
        );
        return { published: Number(rows[0]!.published), pending: Number(rows[0]!.pending) };
      } finally {
        await client.end();
      }
    },
    stats,
    async analyze(table = outbox) {
      await pool().query(`VACUUM ANALYZE ${table}`);
    },
    async remove() {
      await endWriters();
      await stats.close();
      await db.drop();
      await deleteTopic(topic);
    },
  };
}

/** `relayUser` (a user of the relay's own, dropped at the end) is undefined for a database the caller owns. */
export function mysqlWorkload(
  db: TestDatabase<mysql.ConnectionOptions>,
  relayUser: string | undefined,
  topic: string,
  relayEnv: Record<string, string>,
  writers: number,
  stats: StatsSource,
  outbox = TABLE,
): Workload {
  let current: mysql.Pool | undefined;
  const pool = (): mysql.Pool => (current ??= mysql.createPool({ ...db.config, connectionLimit: writers }));
  const endWriters = async () => {
    const p = current;
    current = undefined;
    await p?.end().catch(() => undefined);
  };
  return {
    driver: 'mysql',
    database: db.name,
    topic,
    relayEnv,
    async insert(rows, table = outbox) {
      await pool().query(
        `INSERT INTO ${table} (topic, payload_json, payload_headers, \`key\`, partition_key) VALUES ?`,
        [rows.map((r) => [topic, payload(r.seq), '{}', r.key, ''])],
      );
    },
    async insertOne(seq, key) {
      await pool().query(
        `INSERT INTO ${outbox} (topic, payload_json, payload_headers, \`key\`, partition_key) VALUES (?, ?, '{}', ?, '')`,
        [topic, payload(seq), key],
      );
    },
    endWriters,
    async counts() {
      const conn = await mysql.createConnection(db.config);
      try {
        const [rows] = await conn.query<mysql.RowDataPacket[]>(
          `SELECT SUM(push_completed_at IS NOT NULL) AS published, SUM(push_completed_at IS NULL) AS pending FROM ${outbox}`,
        );
        return { published: Number(rows[0]?.published ?? 0), pending: Number(rows[0]?.pending ?? 0) };
      } finally {
        await conn.end();
      }
    },
    stats,
    async analyze(table = outbox) {
      await pool().query(`ANALYZE TABLE ${table}`);
    },
    async remove() {
      await endWriters();
      await stats.close();
      const admin = await mysql.createConnection({ ...db.config, database: undefined });
      if (relayUser) await admin.query(`DROP USER IF EXISTS ?@'%'`, [relayUser]).catch(() => undefined);
      await admin.end();
      await db.drop();
      await deleteTopic(topic);
    },
  };
}

export async function deleteTopic(topic: string): Promise<void> {
  await withAdmin((admin) => admin.deleteTopics({ topics: [topic] })).catch(() => undefined);
}

/** Server versions for the results' machine section. */
export async function serverVersions(driver: Driver): Promise<Record<string, string>> {
  const env = devenv();
  if (driver === 'postgres') {
    const c = new pg.Client(devenvPostgres());
    await c.connect();
    try {
      return {
        postgresql: (await c.query<{ v: string }>('SELECT current_setting($1) AS v', ['server_version']))
          .rows[0]!.v,
      };
    } finally {
      await c.end();
    }
  }
  const c = await mysql.createConnection({
    host: env.MYSQL_HOST,
    port: Number(env.MYSQL_PORT),
    user: env.MYSQL_USER,
    password: env.MYSQL_PASSWORD,
  });
  try {
    const [rows] = await c.query<mysql.RowDataPacket[]>('SELECT VERSION() AS v');
    return { mariadb: String(rows[0]?.v) };
  } finally {
    await c.end();
  }
}
