// A benchmark's result: one JSON file (everything, for plots and comparison) and one Markdown file (the
// table a person reads), named <benchmark>-<variant>, then the PNG plots drawn from the JSON by
// bench/plot.sh. The command that produced it, the settings, the machine and the versions go in both.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { MachineInfo } from './machine.js';
import { repoRoot } from './paths.js';
import { resultJson } from './result-json.js';

export interface SummaryRow {
  measure: string;
  value: number | string;
  unit: string;
  /** The target as text, e.g. '>= 0.6' or '<= 50'; absent when the figure has none. */
  target?: string;
  met?: boolean;
  /** The target as checked() tested it. */
  limit?: { comparison: '<=' | '>='; value: number };
}

export interface Result {
  benchmark: string;
  variant: string;
  title: string;
  command: string;
  startedAt: string;
  finishedAt: string;
  settings: Record<string, string | number | boolean>;
  machine: MachineInfo;
  summary: SummaryRow[];
  /** Notes on how a figure was measured, printed under the table. */
  notes: string[];
  /** Details: footprints, database statistics, distributions. */
  data: Record<string, unknown>;
  /** Time series and histograms for the plots. */
  series: Record<string, unknown>;
}

/** A row with its target checked: `at most` or `at least` a limit (`target` is its text: override it to add words). */
export function checked(
  measure: string,
  value: number,
  unit: string,
  comparison: '<=' | '>=',
  limit: number,
): SummaryRow {
  return {
    measure,
    value,
    unit,
    target: `${comparison} ${limit}`,
    met: comparison === '<=' ? value <= limit : value >= limit,
    limit: { comparison, value: limit },
  };
}

/** The command line that reproduces this run (as npm was asked, when run through an npm script). */
export function commandLine(): string {
  const args = process.argv.slice(2).join(' ');
  const event = process.env.npm_lifecycle_event;
  if (event?.startsWith('bench')) return `npm run ${event}${args ? ` -- ${args}` : ''}`;
  const script = path.relative(repoRoot, process.argv[1] ?? '');
  return `npx tsx ${script}${args ? ` ${args}` : ''}`;
}

function cell(value: number | string): string {
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value) || Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 100
    ? value.toFixed(0)
    : Math.abs(value) >= 10
      ? value.toFixed(1)
      : value.toFixed(2);
}

/**
 * A row's value as the table shows it: rounded as cell() does, with more decimals when the rounding would
 * make a missed target read as met or the other way round (0.599 against >= 0.6 shows 0.599, not 0.60).
 */
export function shownValue(row: SummaryRow): string {
  let text = cell(row.value);
  const { limit } = row;
  if (typeof row.value !== 'number' || !Number.isFinite(row.value) || !limit) return text;
  const meets = (v: number) => (limit.comparison === '<=' ? v <= limit.value : v >= limit.value);
  const decimals = (text.split('.')[1] ?? '').length;
  for (let d = decimals + 1; d <= 6 && meets(Number(text)) !== row.met; d++) text = row.value.toFixed(d);
  return text;
}

export function markdown(result: Result): string {
  const lines = [
    `# ${result.title}`,
    '',
    `Command: \`${result.command}\``,
    '',
    `Run: ${result.startedAt} to ${result.finishedAt}, commit ${result.machine.commit}` +
      (result.machine.uncommitted.length > 0
        ? ` with uncommitted changes to ${result.machine.uncommitted.join(', ')}`
        : ''),
    '',
    '| measure | value | unit | target | met |',
    '| --- | ---: | --- | --- | --- |',
    ...result.summary.map(
      (r) =>
        `| ${r.measure} | ${shownValue(r)} | ${r.unit} | ${r.target ?? ''} | ${r.met === undefined ? '' : r.met ? 'yes' : '**no**'} |`,
    ),
    '',
  ];
  if (result.notes.length > 0) lines.push(...result.notes.map((n) => `- ${n}`), '');
  lines.push(
    '## Settings',
    '',
    ...Object.entries(result.settings).map(([k, v]) => `- ${k}: ${v}`),
    '',
    '## Machine',
    '',
    `- ${result.machine.cpuModel}, ${result.machine.cores} cores, ${result.machine.memoryGiB} GiB, ${result.machine.kernel}`,
    `- load average at start: ${result.machine.loadAverage.join(', ')}`,
    `- Node.js ${result.machine.node}; ${Object.entries(result.machine.packages)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `- servers: ${Object.entries(result.machine.servers)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    '',
  );
  return lines.join('\n');
}

export interface WriteOptions {
  dir: string;
  /** Draw the PNG plots (bench/plot.sh); a failure to draw fails the benchmark. */
  plot: boolean;
}

/** Writes <dir>/<benchmark>-<variant>.json and .md, then the plots; returns the JSON's path. */
export function writeResult(result: Result, options: WriteOptions): string {
  mkdirSync(options.dir, { recursive: true });
  const base = path.join(options.dir, `${result.benchmark}-${result.variant}`);
  writeFileSync(`${base}.json`, resultJson(result));
  writeFileSync(`${base}.md`, markdown(result));
  console.log(markdown(result));
  console.log(`wrote ${base}.json and ${base}.md`);
  if (options.plot) plot([`${base}.json`]);
  return `${base}.json`;
}

export function plot(files: string[]): void {
  const run = spawnSync('bash', [path.join(repoRoot, 'bench/plot.sh'), ...files], { stdio: 'inherit' });
  if (run.status !== 0) {
    throw new Error(`drawing the plots failed (bench/plot.sh exited ${run.status ?? run.signal}); see above`);
  }
}
