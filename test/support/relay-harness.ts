// Helpers for the relay's integration tests: the relay's environment for a test database, rows written as
// an application would, a consumer collecting what reached Kafka, and the relay run in-process or as a
// child process (`tsx relay/main.ts`).
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { logLevel, type Consumer } from 'kafkajs';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { loadConfig } from '../../relay/config/config.js';
import { startRelay, type RunningRelay } from '../../relay/commands/run.js';
import { createLogger } from '../../relay/logger.js';
import {
  createMysqlDatabase,
  createPostgresDatabase,
  eventually,
  kafkaBrokers,
  kafkaClient,
  uniqueName,
  type TestDatabase,
} from './servers.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export type Driver = 'postgres' | 'mysql';

export interface TestDb {
  driver: Driver;
  name: string;
  host: string;
  port: number;
  user: string;
  password: string;
}

export function testDb(driver: Driver, db: TestDatabase<pg.ClientConfig | mysql.ConnectionOptions>): TestDb {
  const c = db.config;
  return {
    driver,
    name: db.name,
    host: String(c.host),
    port: Number(c.port),
    user: String(c.user),
    password: String(c.password),
  };
}

/** A database of its own on the driver's server, and the relay's view of it. */
export async function createTestDb(
  driver: Driver,
  prefix: string,
): Promise<{ database: TestDatabase<object>; db: TestDb }> {
  const database =
    driver === 'postgres' ? await createPostgresDatabase(prefix) : await createMysqlDatabase(prefix);
  return { database, db: testDb(driver, database) };
}

/** Just what a client library needs to connect (no other keys: mysql2 warns about unknown options). */
export function connectionOf(db: Omit<TestDb, 'name'> & { name?: string }): {
  host: string;
  port: number;
  user: string;
  password: string;
  database?: string;
} {
  return {
    host: db.host,
    port: db.port,
    user: db.user,
    password: db.password,
    ...(db.name === undefined ? {} : { database: db.name }),
  };
}

/** One statement on a PostgreSQL test database, on a connection of its own; the rows it returned. */
export async function pgQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(
  db: TestDb,
  text: string,
  values?: unknown[],
): Promise<R[]> {
  const client = new pg.Client(connectionOf(db));
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** The relay's environment for one test database, with the Go relay's variable names. */
export function relayEnv(db: TestDb, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DB_DRIVER: db.driver,
    DB_HOST: db.host,
    DB_PORT: String(db.port),
    DB_USER: db.user,
    DB_PASS: db.password,
    DB_NAME: db.name,
    KAFKA_HOST: kafkaBrokers().join(','),
    HTTP_PORT: '0',
    POLL_FREQUENCY_MS: '200',
    LOG_LEVEL: 'error',
    ...extra,
  };
}

export interface Row {
  topic: string;
  payload?: string;
  headers?: string;
  key?: string;
  partitionKey?: string;
}

/** Inserts rows as an application would (in one transaction); returns their ids as strings. */
export async function insertRows(db: TestDb, rows: Row[], table = 'kafka_outbox'): Promise<string[]> {
  if (rows.length === 0) return [];
  const values = rows.map((r) => [
    r.topic,
    r.payload ?? '{}',
    r.headers ?? '{}',
    r.key ?? '',
    r.partitionKey ?? '',
  ]);
  if (db.driver === 'postgres') {
    const placeholders = values.map(
      (_, i) => `($${i * 5 + 1}, $${i * 5 + 2}, $${i * 5 + 3}, $${i * 5 + 4}, $${i * 5 + 5})`,
    );
    const rows = await pgQuery<{ id: string }>(
      db,
      `insert into ${table} (topic, payload_json, payload_headers, key, partition_key) values ${placeholders.join(', ')} returning id`,
      values.flat(),
    );
    return rows.map((r) => String(r.id));
  }
  const conn = await mysql.createConnection(connectionOf(db));
  try {
    const ids: string[] = [];
    await conn.beginTransaction();
    for (const v of values) {
      const [result] = await conn.query<mysql.ResultSetHeader>(
        `INSERT INTO ${table} (topic, payload_json, payload_headers, \`key\`, partition_key) VALUES (?, ?, ?, ?, ?)`,
        v,
      );
      ids.push(String(result.insertId));
    }
    await conn.commit();
    return ids;
  } finally {
    await conn.end();
  }
}

export interface OutboxState {
  id: string;
  published: boolean;
  errored: boolean;
  attempts: number;
  reason: string;
}

/** One statement on a test database of either driver, on a connection of its own; the rows it returned. */
export async function dbQuery(
  db: TestDb,
  text: string,
  values: unknown[] = [],
): Promise<Record<string, unknown>[]> {
  if (db.driver === 'postgres') return pgQuery(db, text, values);
  const conn = await mysql.createConnection(connectionOf(db));
  try {
    return (await conn.query(text, values))[0] as Record<string, unknown>[];
  } finally {
    await conn.end();
  }
}

export async function outboxState(db: TestDb, table = 'kafka_outbox'): Promise<OutboxState[]> {
  const rows = await dbQuery(
    db,
    `SELECT id, push_completed_at IS NOT NULL AS published, errored, push_attempts AS attempts, error_reason AS reason FROM ${table} ORDER BY id`,
  );
  return rows.map((r) => ({
    id: String(r.id),
    published: Boolean(Number(r.published)),
    errored: Boolean(Number(r.errored)),
    attempts: Number(r.attempts),
    reason: String(r.reason ?? ''),
  }));
}

export interface Received {
  id: string;
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string;
  headers: Record<string, string>;
}

export interface Collector {
  messages: Received[];
  /** Waits until at least `count` messages arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
  stop(): Promise<void>;
}

/** Reads the topics from the beginning into memory. */
export async function collect(topics: string[]): Promise<Collector> {
  const consumer: Consumer = kafkaClient(uniqueName('collector'), logLevel.NOTHING).consumer({
    groupId: uniqueName('g'),
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  const messages: Received[] = [];
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
      messages.push({
        id: headers['outbox-id'] ?? '',
        topic,
        partition,
        offset: message.offset,
        key: message.key === null ? null : message.key.toString(),
        value: message.value?.toString() ?? '',
        headers,
      });
    },
  });
  return {
    messages,
    waitFor: (count, timeoutMs = 60_000) =>
      eventually(
        `${count} messages (have ${messages.length})`,
        async () => (messages.length >= count ? messages : undefined),
        timeoutMs,
      ),
    stop: () => consumer.disconnect(),
  };
}

/** Starts the relay in this process. */
export async function startInProcess(env: Record<string, string>): Promise<RunningRelay> {
  const config = loadConfig(env);
  return startRelay({ config, logger: createLogger({ level: config.logLevel }) });
}

export async function httpGet(port: number, pathname: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${pathname}`);
  return { status: response.status, body: await response.text() };
}

export async function waitReady(port: number, timeoutMs = 60_000): Promise<void> {
  await eventually(
    'the relay to be ready',
    async () => ((await httpGet(port, '/readyz')).status === 200 ? true : undefined),
    timeoutMs,
  );
}

export interface RelayProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs `outbox-relay <args>` as a child process, the way a container would: one node process with tsx as
 * its loader. Not through the `tsx` command: that wrapper relays SIGTERM to its child and, if the child does
 * not acknowledge within 30 ms (a busy machine), SIGKILLs it, which would hide the relay's own shutdown.
 */
export function spawnRelay(args: string[], env: Record<string, string>): RelayProcess {
  const child = spawnRelayNode(args, env);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}

/**
 * `node --import tsx relay/main.ts <args>` with only `env` (and PATH, HOME), its output piped: the one
 * command line of spawnRelay and relay-child.ts's spawnRelayChild.
 */
export function spawnRelayNode(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'relay/main.ts'), ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** The port of a relay's 'HTTP listening' line in its output (HTTP_PORT=0: a free one), once it logged it. */
export function listeningPort(output: string): number | undefined {
  const port = /"port":(\d+)[^\n]*"msg":"HTTP listening"/.exec(output)?.[1];
  return port === undefined ? undefined : Number(port);
}

export interface ListeningRelay {
  process: RelayProcess;
  port: number;
}

/** spawnRelay, once the relay's HTTP server listens: the process and its port. */
export async function spawnListening(args: string[], env: Record<string, string>): Promise<ListeningRelay> {
  const relay = spawnRelay(args, env);
  const port = await eventually('the relay listening', async () => listeningPort(relay.output()));
  return { process: relay, port };
}

/** Runs a one-shot command to its end. */
export async function runCommand(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const p = spawnRelay(args, env);
  const { code } = await p.exited;
  return { code, output: p.output() };
}

/**
 * Per (topic, key), the ids in arrival order with repeats of already-seen ids dropped. Per-key order holds
 * when each list is ascending (a batch sent again after a failure may repeat earlier ids).
 */
export function firstArrivals(messages: Received[]): Map<string, bigint[]> {
  const seen = new Set<string>();
  const byKey = new Map<string, bigint[]>();
  for (const m of messages) {
    if (seen.has(m.id)) continue;
    seen.add(m.id);
    const key = `${m.topic}/${m.key}`;
    byKey.set(key, [...(byKey.get(key) ?? []), BigInt(m.id)]);
  }
  return byKey;
}

export const ascending = (ids: bigint[]): boolean => ids.every((id, i) => i === 0 || ids[i - 1]! < id);
