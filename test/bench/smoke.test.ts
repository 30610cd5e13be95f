// A short run of each benchmark (a few thousand rows, a few seconds, a few resources) as a person runs it,
// from source: it must finish and write well-formed results (JSON, Markdown, PNG plots). No timing is
// asserted here; the figures themselves are the benchmarks' business (bench/README.md).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../support/relay-harness.js';
import { useKafka, type Release } from '../support/kafka-lock.js';

interface Row {
  measure: string;
  value: number | string;
  unit: string;
  target?: string;
  met?: boolean;
}
interface Result {
  benchmark: string;
  variant: string;
  command: string;
  settings: Record<string, unknown>;
  machine: { cores: number; node: string; packages: Record<string, string> };
  summary: Row[];
  data: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  series: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function runBench(script: string, args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(path.join(repoRoot, 'node_modules/.bin/tsx'), [path.join(repoRoot, script), ...args], {
    cwd: repoRoot,
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

function value(result: Result, measure: string): number {
  const row = result.summary.find((r) => r.measure === measure);
  if (!row) throw new Error(`no summary row "${measure}" in ${result.benchmark}-${result.variant}`);
  return Number(row.value);
}

/** Reads <dir>/<base>.json and checks what every result has: its Markdown, its plots, machine and command. */
function readResult(dir: string, base: string, plots: string[]): Result {
  const result = JSON.parse(readFileSync(path.join(dir, `${base}.json`), 'utf8')) as Result;
  expect(result.command).toContain('bench/');
  expect(result.machine.cores).toBeGreaterThan(0);
  expect(result.machine.packages.kafkajs).toMatch(/^\d+\.\d+/);
  expect(result.summary.length).toBeGreaterThan(3);
  for (const row of result.summary) {
    if (typeof row.value === 'number') expect(Number.isFinite(row.value)).toBe(true);
    if (row.target !== undefined) expect(typeof row.met).toBe('boolean');
  }
  const md = readFileSync(path.join(dir, `${base}.md`), 'utf8');
  expect(md).toContain('| measure | value | unit | target | met |');
  expect(md).toContain(result.command);
  for (const plot of plots) {
    const png = readFileSync(path.join(dir, `${base}-${plot}.png`));
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(png.length).toBeGreaterThan(10_000);
  }
  return result;
}

describe('the benchmarks, as a short smoke run', () => {
  let out: string;

  beforeAll(() => {
    out = mkdtempSync(path.join(os.tmpdir(), 'bench-smoke-'));
  });

  afterAll(() => {
    if (out && existsSync(out)) rmSync(out, { recursive: true, force: true });
  });

  describe.each(['postgres', 'mysql'])('the relay on %s', (driver) => {
    // The broker lock is held per test, not per file, so that the Kafka outage test waits one short run
    // at most.
    let release: Release | undefined;
    beforeEach(async () => {
      release = await useKafka();
    });
    afterEach(() => release?.());

    it('throughput: measures the ceiling twice and the drain of every row, with footprint and database cost', async () => {
      const run = await runBench('bench/relay/throughput.ts', [
        `--driver=${driver}`,
        '--rows=2000',
        '--limit-records=5000',
        '--relay-from=source',
        `--out=${out}`,
      ]);
      expect({ code: run.code, tail: run.code === 0 ? '' : run.output.slice(-3000) }).toEqual({
        code: 0,
        tail: '',
      });
      const result = readResult(out, `relay-throughput-${driver}`, ['throughput', 'footprint']);
      expect(result.settings).toMatchObject({
        driver,
        rows: 2000,
        keys: 1000,
        partitions: 6,
        payloadBytes: 256,
      });
      expect(result.data.ceilings).toHaveLength(2);
      expect(result.data.drain.messages).toBe(2000);
      expect(result.data.databaseOnly.rows).toBe(2000);
      expect(value(result, 'drain / overlapped model')).toBeGreaterThan(0);
      // The relay's default is shared mode with Kafka transactions: the offsets count their commit markers
      // too, and the ceiling sends in transactions as well.
      expect(result.data.drain.transactionMarkers).toBeGreaterThan(0);
      expect(result.series.drain[result.series.drain.length - 1][1]).toBe(
        2000 + result.data.drain.transactionMarkers,
      );
      expect(result.settings.ceilingPublisher).toMatch(/^transactional/);
      expect(value(result, 'drain / ceiling')).toBeGreaterThan(0);
      // Kafka's own producer, before and after the drain, with gzip, lz4 and no compression.
      expect(result.data.brokerLimit.map((r: { compression: string }) => r.compression)).toEqual([
        'gzip',
        'lz4',
        'none',
        'gzip',
        'lz4',
        'none',
      ]);
      expect(value(result, "drain / broker limit (gzip, the drain's compression)")).toBeGreaterThan(0);
      expect(value(result, 'relay RSS, max during the drain')).toBeGreaterThan(10);
      // A claim writes nothing; every row is written once, when marked, whatever the batching. MariaDB's
      // counts are the relay user's, all tables: they include the share leases' renewals (64 rows every
      // fifth of a lease), a few percent of a short drain.
      const written = value(result, 'drain: rows written per published row');
      if (driver === 'postgres') expect(written).toBeCloseTo(1, 1);
      else expect([written >= 0.99, written < 1.25]).toEqual([true, true]);
      expect(value(result, 'drain: statements per published row')).toBeGreaterThan(0);
    }, 240_000);

    it('scale-out: one relay drains the backlog with Kafka transactions and without, and their ratio', async () => {
      const run = await runBench('bench/relay/scale-out.ts', [
        `--driver=${driver}`,
        '--relays=1',
        '--rows=5000',
        '--keys=100',
        `--out=${out}`,
      ]);
      expect({ code: run.code, tail: run.code === 0 ? '' : run.output.slice(-3000) }).toEqual({
        code: 0,
        tail: '',
      });
      const result = readResult(out, `scale-out-${driver}-transactions`, []);
      const runs = result.data.runs as Array<{ transactions: boolean; transactionMarkers: number }>;
      expect(runs.map((r) => r.transactions)).toEqual([true, false]);
      expect(runs[0]!.transactionMarkers).toBeGreaterThan(0);
      expect(runs[1]!.transactionMarkers).toBe(0);
      expect(value(result, '1 relay: drain with transactions / without')).toBeGreaterThan(0);
    }, 240_000);

    it('latency: every committed row is received, with its latency distribution', async () => {
      const run = await runBench('bench/relay/latency.ts', [
        `--driver=${driver}`,
        '--rate=200',
        '--seconds=3',
        '--baseline-seconds=2',
        '--relay-from=source',
        `--out=${out}`,
      ]);
      expect({ code: run.code, tail: run.code === 0 ? '' : run.output.slice(-3000) }).toEqual({
        code: 0,
        tail: '',
      });
      const result = readResult(out, `relay-latency-${driver}`, ['latency', 'footprint']);
      expect(result.summary.find((r) => r.measure === 'rows received / committed')?.value).toBe('600 / 600');
      expect(result.data.latency.count).toBe(600);
      expect(result.data.baseline.count).toBe(400);
      expect(result.settings.baselinePublisher).toMatch(/^transactional/);
      expect(value(result, 'relay / baseline, p50')).toBeGreaterThan(0);
      expect(value(result, 'latency p99')).toBeGreaterThanOrEqual(value(result, 'latency p50'));
      const histogram = result.series.latencyHistogram as { counts: number[] };
      expect(histogram.counts.reduce((a, b) => a + b, 0)).toBe(600);
      // The mark is the one write per row (a little more when a batch straddles the window's edges).
      const written = value(result, 'steady: rows written per published row');
      expect(written).toBeGreaterThanOrEqual(0.9);
      expect(written).toBeLessThan(1.5);
    }, 240_000);
  });

  it('operator: every OutboxRelay gets its children and Reconciled=True, and the idle window is counted', async () => {
    const run = await runBench('bench/operator/scale.ts', [
      '--count=5',
      '--idle-seconds=3',
      '--control-seconds=2',
      '--report-seconds=20',
      '--operator-from=source',
      `--out=${out}`,
    ]);
    expect({ code: run.code, tail: run.code === 0 ? '' : run.output.slice(-3000) }).toEqual({
      code: 0,
      tail: '',
    });
    const result = readResult(out, 'operator-scale-5', ['progress', 'footprint']);
    expect(result.series.progress.reconciled).toHaveLength(5);
    expect(result.series.progress.deployments).toHaveLength(5);
    expect(result.series.progress.cronjobs).toHaveLength(5);
    expect(value(result, 'time until all have their children and Reconciled=True')).toBeGreaterThan(0);
    expect(value(result, 'operator RSS, max while reconciling')).toBeGreaterThan(10);
    expect(Array.isArray(result.data.idleWrites)).toBe(true);
    // Two rounds of the relays' reports, one changed report per OutboxRelay each: at most one status
    // write each, and no child applied for them.
    expect(result.data.reports).toMatchObject({ rounds: 2, applies: 10, failures: 0 });
    expect(value(result, 'operator status writes per report (at most one)')).toBeLessThanOrEqual(1);
    expect(
      value(
        result,
        "the operator's applies of Deployments and CronJobs during the reports (its own request counter)",
      ),
    ).toBe(0);
  }, 300_000);
});
