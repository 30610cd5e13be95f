// The throughput benchmark on "your own cluster" (--brokers, --database-url), pointed at the local servers
// as a user would point it at theirs: without --yes it creates nothing; with it, it drains the given table
// into the given topic and removes both at the end; it refuses a table that exists already.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { repoRoot } from '../support/relay-harness.js';
import { useKafka, type Release } from '../support/kafka-lock.js';
import { devenv, devenvPostgres, uniqueName, withAdmin } from '../support/servers.js';

function runBench(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(
    path.join(repoRoot, 'node_modules/.bin/tsx'),
    [path.join(repoRoot, 'bench/relay/throughput.ts'), ...args],
    { cwd: repoRoot, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

async function pgRun<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
  const c = new pg.Client(devenvPostgres());
  await c.connect();
  try {
    return (await c.query<R>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

const tableExists = async (table: string) =>
  (await pgRun<{ r: string | null }>('SELECT to_regclass($1) AS r', [table]))[0]!.r !== null;

const topicExists = (topic: string) => withAdmin(async (admin) => (await admin.listTopics()).includes(topic));

describe('the throughput benchmark on a given cluster', () => {
  let release: Release | undefined;
  let out: string;
  const table = uniqueName('bench_given', '_');
  const topic = uniqueName('bench-given');
  let args: string[];

  beforeAll(async () => {
    release = await useKafka();
    out = mkdtempSync(path.join(os.tmpdir(), 'bench-cluster-'));
    const env = devenv();
    const url = `postgres://${env.PGUSER}:${encodeURIComponent(env.PGPASSWORD!)}@${env.PGHOST}:${env.PGPORT}/${env.PGDATABASE}`;
    args = [
      `--brokers=${env.KAFKA_BROKERS}`,
      `--database-url=${url}`,
      `--table=${table}`,
      `--topic=${topic}`,
      '--rows=2000',
      '--limit-records=5000',
      '--relay-from=source',
      '--no-plot',
      `--out=${out}`,
    ];
  });

  afterAll(() => {
    release?.();
    rmSync(out, { recursive: true, force: true });
  });

  it('without --yes warns what it would create and stops, creating nothing', async () => {
    const run = await runBench(args);
    expect(run.code).toBe(2);
    expect(run.output).toContain('CREATES the topic and the table');
    expect(run.output).toContain(`topic:    ${topic}`);
    expect(run.output).not.toContain(devenv().PGPASSWORD!);
    expect(await tableExists(table)).toBe(false);
    expect(await topicExists(topic)).toBe(false);
  }, 60_000);

  it('with --yes drains the given table into the given topic, beside the broker limit, and removes both', async () => {
    const run = await runBench([...args, '--yes']);
    expect({ code: run.code, tail: run.code === 0 ? '' : run.output.slice(-3000) }).toEqual({
      code: 0,
      tail: '',
    });
    const result = JSON.parse(readFileSync(path.join(out, 'relay-throughput-postgres.json'), 'utf8')) as {
      settings: Record<string, unknown>;
      summary: Array<{ measure: string; value: number | string }>;
      data: { drain: { messages: number }; brokerLimit: unknown[] };
    };
    expect(result.settings.servers).toContain(`table ${table}, topic ${topic}`);
    expect(JSON.stringify(result)).not.toContain(devenv().PGPASSWORD!);
    expect(result.data.drain.messages).toBe(2000);
    expect(result.data.brokerLimit).toHaveLength(6);
    expect(result.summary.some((r) => r.measure.startsWith('drain / broker limit (gzip'))).toBe(true);
    expect(await tableExists(table)).toBe(false);
    expect(await tableExists(`${table}_relay_migrations`)).toBe(false);
    expect(await topicExists(topic)).toBe(false);
  }, 240_000);

  it('refuses a table that exists already, and leaves it and its rows alone', async () => {
    const own = uniqueName('bench_own', '_');
    await pgRun(`CREATE TABLE ${own} (id int)`);
    await pgRun(`INSERT INTO ${own} VALUES (1)`);
    try {
      const run = await runBench([
        ...args.filter((a) => !a.startsWith('--table=')),
        `--table=${own}`,
        '--yes',
      ]);
      expect(run.code).toBe(1);
      expect(run.output).toContain(`--table: ${own} exists already`);
      expect(await pgRun(`SELECT id FROM ${own}`)).toEqual([{ id: 1 }]);
      expect(await topicExists(topic)).toBe(false);
    } finally {
      await pgRun(`DROP TABLE IF EXISTS ${own}`);
    }
  }, 60_000);
});
