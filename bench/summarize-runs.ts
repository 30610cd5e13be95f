// Medians of repeated throughput runs: reads every run table under <folder>/<configuration>/run-<N>/*.md
// (as bench/relay/throughput.ts writes them) and writes <folder>/summary.md with, per configuration, the
// median of each measure and the lowest and highest of its runs, and a table of every run.
//
//   npx tsx bench/summarize-runs.ts bench/results/<folder>
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const MEASURES: [label: string, measure: string][] = [
  ['drain, messages/s', 'drain'],
  ['ceiling, messages/s', 'ceiling (mean of the runs before and after the drain)'],
  ['broker limit gzip, messages/s', "broker limit: Kafka's producer, gzip (mean of 2 runs)"],
  ['drain / limit (own compression)', 'drain / broker limit ('],
  ['drain / limit (gzip)', 'drain / broker limit (gzip'],
  ['drain / ceiling', 'drain / ceiling'],
  ['ceiling / limit (gzip)', 'ceiling / broker limit (gzip)'],
  ['database alone, rows/s', 'database alone: claim + mark'],
  ['relay CPU, % of a core', 'relay CPU, mean during the drain'],
  ['relay CPU per message, µs', 'relay CPU per message during the drain'],
  ['relay cores for 0.5 of the limit', 'relay cores needed'],
  ['machine cores for 0.5 of the limit', 'machine (every process) cores needed'],
  ['machine busy, %', 'machine busy, mean during the drain'],
  ['relay RSS max, MB', 'relay RSS, max during the drain'],
  ['load (1 min) at the drain', 'machine load average'],
];

type Table = Map<string, string>;

function readTable(file: string): { command: string; rows: Table } {
  const rows: Table = new Map();
  let command = '';
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('Command: ')) command = line.slice('Command: '.length);
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length >= 4 && cells[1] && !cells[1].startsWith('---')) rows.set(cells[1], cells[2]!);
  }
  return { command, rows };
}

/** The value of the first measure starting with `prefix`; a "a / b / c" load is taken at its middle. */
function valueOf(rows: Table, prefix: string): number | undefined {
  for (const [measure, value] of rows) {
    if (!measure.startsWith(prefix)) continue;
    const parts = value.split(' / ');
    const picked = parts.length === 3 ? parts[1]! : value;
    const n = Number(picked.replace(/,/g, ''));
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const show = (n: number): string =>
  Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : String(Math.round(n * 100) / 100);

function main(): void {
  const folder = process.argv[2];
  if (!folder) throw new Error('usage: npx tsx bench/summarize-runs.ts <folder>');
  const configurations = readdirSync(folder, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  const medians: string[] = [];
  const each: string[] = [];
  for (const configuration of configurations) {
    const runs = readdirSync(path.join(folder, configuration))
      .filter((r) => r.startsWith('run-'))
      .sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)));
    const tables = runs.map((run) => {
      const dir = path.join(folder, configuration, run);
      const md = readdirSync(dir).find((f) => f.endsWith('.md'))!;
      return { run, file: path.join(configuration, run, md), ...readTable(path.join(dir, md)) };
    });
    const cells = MEASURES.map(([, measure]) => {
      const values = tables.map((t) => valueOf(t.rows, measure)).filter((v) => v !== undefined);
      if (values.length === 0) return '';
      return `${show(median(values))} (${show(Math.min(...values))}-${show(Math.max(...values))})`;
    });
    medians.push(`| ${configuration} | ${tables.length} | ${cells.join(' | ')} |`);
    for (const t of tables) {
      const values = MEASURES.slice(0, 6).map(([, m]) => {
        const v = valueOf(t.rows, m);
        return v === undefined ? '' : show(v);
      });
      each.push(`| ${configuration} | ${t.run} | ${values.join(' | ')} | [table](${t.file}) |`);
    }
  }
  const header = (labels: string[]) =>
    `| ${labels.join(' | ')} |\n| ${labels.map((_, i) => (i < 2 ? '---' : '---:')).join(' | ')} |`;
  const text = [
    `# Throughput runs: medians (lowest-highest)`,
    '',
    `Written by \`npx tsx bench/summarize-runs.ts ${folder}\` from the run tables linked below; each table has its command at its top.`,
    '',
    header(['configuration', 'runs', ...MEASURES.map(([label]) => label)]),
    ...medians,
    '',
    '## Each run',
    '',
    header(['configuration', 'run', ...MEASURES.slice(0, 6).map(([label]) => label), 'table']),
    ...each,
    '',
  ].join('\n');
  writeFileSync(path.join(folder, 'summary.md'), text);
  console.log(text);
}

main();
