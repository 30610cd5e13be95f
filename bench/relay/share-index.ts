// The share migration on a large, busy outbox table, and the share claim against today's claim: a table
// of --rows rows (all published but a backlog of --pending, keys customer-0 to customer-(--keys - 1)),
// loaded with one INSERT ... SELECT, first at the schema before the share migration (PostgreSQL 004, MySQL
// 003). Then, while a writer inserts one row per transaction without pause and a claimer runs today's
// claim in a loop, the migration runs: how long it took, which locks its session held or waited for on the
// outbox table (sampled every 20 ms), and the longest insert latency during it against the seconds before.
// Then, idle: the median of --repeats claims of 250 rows, today's and of 16 of the 64 shares, the share
// claim's plan, and pendingSince of all and of 16 shares.
//
//   npx tsx bench/relay/share-index.ts --driver=postgres|mysql [--rows=1000000] [--pending=20000]
//     [--keys=10000] [--repeats=30] [--out=bench/results/share-index]
import path from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { createStore } from '../../relay/db/create-store.js';
import { tableNames } from '../../relay/db/identifiers.js';
import { shareBatchStatement } from '../../relay/db/mysql/share-queries.js';
import { shareBatchQuery } from '../../relay/db/postgres/share-queries.js';
import type { OutboxStore, StoreConfig } from '../../relay/db/store.js';
import { createLogger } from '../../relay/logger.js';
import { createMysqlDatabase, createPostgresDatabase } from '../../test/support/servers.js';
import { checkKnown, choiceFlag, intFlag, parseFlags, stringFlag } from '../lib/flags.js';
import { machineInfo } from '../lib/machine.js';
import { serverVersions } from '../lib/outbox.js';
import { repoRoot } from '../lib/paths.js';
import { commandLine, writeResult, type SummaryRow } from '../lib/results.js';
import { distribution, round } from '../lib/stats.js';

const flags = parseFlags(process.argv.slice(2));
checkKnown(flags, ['driver', 'rows', 'pending', 'keys', 'repeats', 'out']);
const driver = choiceFlag(flags, 'driver', ['postgres', 'mysql'] as const, 'postgres');
const ROWS = intFlag(flags, 'rows', 1_000_000);
const PENDING = intFlag(flags, 'pending', 20_000);
const KEYS = intFlag(flags, 'keys', 10_000);
const REPEATS = intFlag(flags, 'repeats', 30);
const OUT = stringFlag(flags, 'out', path.join(repoRoot, 'bench/results/share-index'));
const TABLE = 'kafka_outbox';
const SHARES_16 = Array.from({ length: 16 }, (_, i) => i * 4);
const SHARES_4 = [1, 17, 33, 49];
/** The shares of one of two relays, at the largest batch: what a drain with two relays claims. */
const SHARES_32 = Array.from({ length: 32 }, (_, i) => i * 2);
const GROWN = 1000;
const BATCH = 250;
const BEFORE_MS = 5_000;

/** Raw access to the bench database, in the dialect's SQL. */
interface Raw {
  exec(sql: string, values?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Inserts one row (its own transaction) on the writer's connection. */
  insertOne(n: number): Promise<void>;
  /** The locks the migrating session holds or waits for on the outbox table, as text. */
  migrationLocks(): Promise<string[]>;
  undoShareMigration(): Promise<void>;
  load(): Promise<void>;
  explainShareClaim(): Promise<string>;
  close(): Promise<void>;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function timeIt<T>(fn: () => Promise<T>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function postgresRaw(config: pg.ClientConfig): Promise<Raw> {
  const admin = new pg.Client(config);
  const writer = new pg.Client(config);
  const watcher = new pg.Client(config);
  await Promise.all([admin.connect(), writer.connect(), watcher.connect()]);
  const names = tableNames(TABLE);
  return {
    exec: async (sql, values) => (await admin.query(sql, values)).rows,
    async insertOne(n) {
      await writer.query(
        `INSERT INTO ${TABLE} (topic, payload_json, payload_headers, "key") VALUES ('orders', $1, '{}', $2)`,
        [JSON.stringify({ n, pad: 'x'.repeat(200) }), `customer-${n % KEYS}`],
      );
    },
    async migrationLocks() {
      // Every session but the writer's, the claimer's (pool) and ours that has a lock on the table: the
      // migration's CREATE INDEX CONCURRENTLY, told by its query.
      const { rows } = await watcher.query<{ lock: string }>(
        `SELECT l.mode || CASE WHEN l.granted THEN ' held' ELSE ' waited' END AS lock
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE l.relation = $1::regclass AND a.query ILIKE 'CREATE INDEX%'`,
        [TABLE],
      );
      // And any insert waiting for a lock (none should: SHARE UPDATE EXCLUSIVE does not conflict with
      // an insert's ROW EXCLUSIVE), to tell a blocked insert from one slowed by the build's work.
      const { rows: waits } = await watcher.query<{ lock: string }>(
        `SELECT 'INSERT: waiting for ' || wait_event AS lock FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE 'INSERT%'`,
      );
      return [...rows, ...waits].map((row) => row.lock);
    },
    async undoShareMigration() {
      await admin.query(`DROP INDEX ${names.shareIndex}`);
      await admin.query(`DELETE FROM ${names.migrations} WHERE id = 4`);
    },
    async load() {
      await admin.query(
        `INSERT INTO ${TABLE} (topic, payload_json, payload_headers, "key", push_completed_at, batch_id)
         SELECT 'orders', json_build_object('n', n, 'pad', repeat('x', 200)), '{}', 'customer-' || (n % $3::int),
           CASE WHEN n <= $1::int - $2::int THEN localtimestamp END,
           CASE WHEN n <= $1::int - $2::int THEN 'b' END
         FROM generate_series(1, $1::int) AS n`,
        [ROWS, PENDING, KEYS],
      );
      await admin.query(`VACUUM ANALYZE ${TABLE}`);
    },
    async explainShareClaim() {
      const query = shareBatchQuery(names, BATCH, 60_000, [], [], SHARES_16);
      const { rows } = await admin.query(
        `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) ${query.text}`,
        query.values,
      );
      return rows.map((row: Record<string, unknown>) => String(row['QUERY PLAN'])).join('\n');
    },
    async close() {
      await Promise.all([admin.end(), writer.end(), watcher.end()]);
    },
  };
}

async function mysqlRaw(config: mysql.ConnectionOptions): Promise<Raw> {
  const options = { ...config, supportBigNumbers: true, bigNumberStrings: true };
  const [admin, writer, watcher] = await Promise.all([
    mysql.createConnection(options),
    mysql.createConnection(options),
    mysql.createConnection(options),
  ]);
  const names = tableNames(TABLE);
  return {
    exec: async (sql, values) => (await admin.query<mysql.RowDataPacket[]>(sql, values))[0],
    async insertOne(n) {
      await writer.query(
        `INSERT INTO ${TABLE} (topic, payload_json, payload_headers, \`key\`) VALUES ('orders', ?, '{}', ?)`,
        [JSON.stringify({ n, pad: 'x'.repeat(200) }), `customer-${n % KEYS}`],
      );
    },
    async migrationLocks() {
      // The ALTER's own state (MariaDB names its metadata lock waits and its online phases there), and
      // every insert waiting for a metadata lock.
      const [rows] = await watcher.query<mysql.RowDataPacket[]>(
        `SELECT CONCAT(IF(info LIKE 'ALTER%', 'ALTER: ', 'INSERT: '), state) AS seen
         FROM information_schema.processlist
         WHERE db = DATABASE() AND id <> CONNECTION_ID() AND (info LIKE 'ALTER%' OR state LIKE '%lock%')`,
      );
      return rows.map((row) => String(row.seen));
    },
    async undoShareMigration() {
      await admin.query(`ALTER TABLE ${TABLE} DROP INDEX ${names.shareIndex}`);
      await admin.query(`ALTER TABLE ${TABLE} DROP COLUMN relay_share`);
      await admin.query(`DELETE FROM ${names.migrations} WHERE id = 3`);
    },
    async load() {
      const digits =
        '(SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)';
      const n = 'a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d + 100000 * g.d + 1';
      await admin.query(
        `INSERT INTO ${TABLE} (id, topic, payload_json, payload_headers, \`key\`, push_completed_at, batch_id)
         SELECT n, 'orders', JSON_OBJECT('n', n, 'pad', REPEAT('x', 200)), '{}', CONCAT('customer-', n % ?),
           IF(n <= ? - ?, NOW(), NULL), IF(n <= ? - ?, 'b', NULL)
         FROM (SELECT ${n} AS n FROM ${digits} a, ${digits} b, ${digits} c, ${digits} e, ${digits} f, ${digits} g) AS s
         WHERE n <= ? ORDER BY n`,
        [KEYS, ROWS, PENDING, ROWS, PENDING, ROWS],
      );
      await admin.query(`ANALYZE TABLE ${TABLE}`);
    },
    async explainShareClaim() {
      const statement = shareBatchStatement(names, BATCH, 60_000, [], [], SHARES_16);
      const [rows] = await admin.query<mysql.RowDataPacket[]>(`EXPLAIN ${statement.sql}`, statement.values);
      return rows
        .map(
          (row) =>
            `${row.id} ${row.select_type} ${row.table} ${row.type} key=${row.key} rows=${row.rows} ${row.Extra ?? ''}`,
        )
        .join('\n');
    },
    async close() {
      await Promise.all([admin.end(), writer.end(), watcher.end()]);
    },
  };
}

interface Load {
  stop(): Promise<void>;
  /** Insert latencies (ms) by when each began (ms since the start). */
  inserts: { at: number; ms: number }[];
  claims: number;
}

/** A writer inserting without pause and a claimer running today's claim in a loop. */
function startLoad(raw: Raw, store: OutboxStore, origin: number): Load {
  let running = true;
  const load: Load = { inserts: [], claims: 0, stop: async () => undefined };
  const writer = (async () => {
    for (let n = ROWS + 1; running; n += 1) {
      const at = performance.now();
      await raw.insertOne(n);
      load.inserts.push({ at: at - origin, ms: performance.now() - at });
    }
  })();
  const claimer = (async () => {
    while (running) {
      await store.claim(BATCH, 60_000);
      load.claims += 1;
    }
  })();
  load.stop = async () => {
    running = false;
    await Promise.all([writer, claimer]);
  };
  return load;
}

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const db =
    driver === 'postgres'
      ? await createPostgresDatabase('bench_share')
      : await createMysqlDatabase('bench_share');
  const c = db.config as { host?: string; port?: number; user?: string; password?: unknown };
  const config: StoreConfig = {
    driver,
    host: String(c.host),
    port: Number(c.port),
    user: String(c.user),
    password: String(c.password),
    database: db.name,
    table: TABLE,
    tls: { mode: 'disable' },
    poolSize: 4,
    // Without the insert trigger: a notifying commit takes a lock shared by the whole server, so the
    // inserts would wait for every other database's notifying commits too, which is not the migration.
    notifyOnInsert: false,
  };
  const logger = createLogger({ level: 'error' });
  const store = await createStore(config, logger);
  const raw =
    driver === 'postgres'
      ? await postgresRaw(db.config as pg.ClientConfig)
      : await mysqlRaw(db.config as mysql.ConnectionOptions);
  try {
    await store.migrate();
    await raw.undoShareMigration();
    const loadMs = await timeIt(() => raw.load());
    console.log(`loaded ${ROWS} rows in ${round(loadMs / 1000, 1)} s`);

    const todayBefore: number[] = [];
    for (let i = 0; i < REPEATS; i += 1) todayBefore.push(await timeIt(() => store.claim(BATCH, 60_000)));

    // The migration under load.
    const origin = performance.now();
    const load = startLoad(raw, store, origin);
    await new Promise((resolve) => setTimeout(resolve, BEFORE_MS));
    const locks = new Map<string, number>();
    let migrating = true;
    const sampler = (async () => {
      while (migrating) {
        for (const lock of await raw.migrationLocks().catch(() => []))
          locks.set(lock, (locks.get(lock) ?? 0) + 1);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const migrationStart = performance.now() - origin;
    const result = await store.migrate();
    const migrationEnd = performance.now() - origin;
    migrating = false;
    await sampler;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await load.stop();
    const before = load.inserts.filter((i) => i.at < migrationStart).map((i) => i.ms);
    const during = load.inserts
      .filter((i) => i.at >= migrationStart && i.at + i.ms <= migrationEnd + 1)
      .map((i) => i.ms);
    // An insert that began during the migration and ended after it was held by it for that long too.
    const straddling = load.inserts
      .filter((i) => i.at < migrationEnd && i.at + i.ms > migrationEnd)
      .map((i) => i.ms);
    const beforeStats = distribution(before);
    const duringStats = distribution([...during, ...straddling]);
    console.log(
      `migration ${JSON.stringify(result.applied)} in ${round((migrationEnd - migrationStart) / 1000, 2)} s`,
    );

    // Idle: the claims and pendingSince.
    const today: number[] = [];
    const share16: number[] = [];
    const share4: number[] = [];
    const todayGrown: number[] = [];
    const share32: number[] = [];
    for (let i = 0; i < REPEATS; i += 1) {
      todayGrown.push(await timeIt(() => store.claim(GROWN, 60_000)));
      share32.push(await timeIt(() => store.claim(GROWN, 60_000, [], [], SHARES_32)));
      today.push(await timeIt(() => store.claim(BATCH, 60_000)));
      share16.push(await timeIt(() => store.claim(BATCH, 60_000, [], [], SHARES_16)));
      share4.push(await timeIt(() => store.claim(BATCH, 60_000, [], [], SHARES_4)));
    }
    const claimed = await store.claim(BATCH, 60_000, [], [], SHARES_16);
    const pendingAll: number[] = [];
    const pending16: number[] = [];
    for (let i = 0; i < Math.min(REPEATS, 10); i += 1) {
      pendingAll.push(await timeIt(() => store.pendingSince()));
      pending16.push(await timeIt(() => store.pendingSince(SHARES_16)));
    }
    const pendingView = await store.pendingSince(SHARES_16);
    const plan = await raw.explainShareClaim();
    console.log(plan);

    const summary: SummaryRow[] = [
      { measure: `load ${ROWS} rows (INSERT ... SELECT)`, value: round(loadMs / 1000, 1), unit: 's' },
      {
        measure: 'share migration under load',
        value: round((migrationEnd - migrationStart) / 1000, 2),
        unit: 's',
      },
      { measure: 'insert latency before it, max', value: round(beforeStats.max, 1), unit: 'ms' },
      { measure: 'insert latency before it, p99', value: round(beforeStats.p99, 1), unit: 'ms' },
      { measure: 'insert latency during it, max', value: round(duringStats.max, 1), unit: 'ms' },
      { measure: 'insert latency during it, p99', value: round(duringStats.p99, 1), unit: 'ms' },
      { measure: 'inserts during it', value: during.length + straddling.length, unit: 'rows' },
      {
        measure: `today's claim of ${BATCH}, median (before the migration)`,
        value: round(median(todayBefore), 2),
        unit: 'ms',
      },
      { measure: `today's claim of ${BATCH}, median`, value: round(median(today), 2), unit: 'ms' },
      {
        measure: `share claim of ${BATCH}, 16 of 64 shares, median`,
        value: round(median(share16), 2),
        unit: 'ms',
      },
      { measure: 'share claim rows returned', value: claimed.rows.length, unit: 'rows' },
      {
        measure: `share claim of ${BATCH}, 4 of 64 shares, median`,
        value: round(median(share4), 2),
        unit: 'ms',
      },
      { measure: `today's claim of ${GROWN}, median`, value: round(median(todayGrown), 2), unit: 'ms' },
      {
        measure: `share claim of ${GROWN}, 32 of 64 shares, median`,
        value: round(median(share32), 2),
        unit: 'ms',
      },
      { measure: 'pendingSince(), median', value: round(median(pendingAll), 2), unit: 'ms' },
      { measure: 'pendingSince(16 shares), median', value: round(median(pending16), 2), unit: 'ms' },
      { measure: 'pending rows of the 16 shares', value: pendingView.pending, unit: 'rows' },
    ];
    const lockText = [...locks].map(([lock, samples]) => `${lock} (${samples} samples of 20 ms)`);
    writeResult(
      {
        benchmark: 'share-index',
        variant: driver,
        title: `The share migration on ${ROWS.toLocaleString('en')} rows under load, and the share claim (${driver})`,
        command: commandLine(),
        startedAt,
        finishedAt: new Date().toISOString(),
        settings: {
          rows: ROWS,
          pending: PENDING,
          keys: KEYS,
          repeats: REPEATS,
          batch: BATCH,
          shares: SHARES_16.length,
        },
        machine: machineInfo(await serverVersions(driver)),
        summary,
        notes: [
          `Migration applied: ${result.applied.join(', ')}.`,
          `Locks of the migration on the outbox table, as sampled: ${lockText.join('; ') || 'none seen'}.`,
          `During the migration the claimer ran today's claim ${load.claims} times in all (before, during and after).`,
          `The share claim's plan:\n\n\`\`\`\n${plan}\n\`\`\``,
        ],
        data: {
          before: beforeStats,
          during: duringStats,
          locks: Object.fromEntries(locks),
          today,
          share16,
          share4,
          todayBefore,
          pendingAll,
          pending16,
        },
        series: {},
      },
      { dir: OUT, plot: false },
    );
  } finally {
    await raw.close();
    await store.close();
    await db.drop();
  }
}

await main();
