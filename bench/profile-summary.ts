// Summarises a V8 CPU profile (node --cpu-prof, as the benchmarks' --cpu-prof flag writes) as a Markdown
// table of where the time went: self time per function, paths relative to the repository, and the share
// of each top-level area (our relay or operator code, kafkajs, database drivers, node internals, idle, GC).
//
//   npm run bench:profile -- <file.cpuprofile> [--top=25]
import { readFileSync } from 'node:fs';
import { parseFlags, intFlag } from './lib/flags.js';
import { repoRoot } from './lib/paths.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export function area(url: string, functionName: string): string {
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (functionName === '(program)') return 'V8 and native (program)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  if (url.startsWith('node:') || url === '') return 'node internals';
  const rel = url.replace(/^file:\/\//, '').replace(`${repoRoot}/`, '');
  return rel.split('/').slice(0, 2).join('/');
}

function relative(url: string): string {
  return url.replace(/^file:\/\//, '').replace(`${repoRoot}/`, '');
}

export function summarise(profile: Profile, top: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fns = new Map<string, number>();
  const areas = new Map<string, number>();
  for (const [id, us] of self) {
    const f = byId.get(id)!.callFrame;
    const name = `${f.functionName || '(anonymous)'} ${relative(f.url)}${f.url ? `:${f.lineNumber + 1}` : ''}`;
    fns.set(name, (fns.get(name) ?? 0) + us);
    const a = area(f.url, f.functionName);
    areas.set(a, (areas.get(a) ?? 0) + us);
  }
  const pct = (us: number) => ((us / total) * 100).toFixed(1);
  const rows = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `| ${k.replace(/\|/g, '\\|')} | ${(us / 1000).toFixed(0)} | ${pct(us)} |`);
  return [
    `Profile: ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s, ${profile.samples.length} samples.`,
    '',
    '| area | self ms | % |',
    '| --- | ---: | ---: |',
    ...rows(areas, 15),
    '',
    '| function (self time) | self ms | % |',
    '| --- | ---: | ---: |',
    ...rows(fns, top),
    '',
  ].join('\n');
}

if (process.argv[1]?.endsWith('profile-summary.ts')) {
  const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const flags = parseFlags(process.argv.slice(2).filter((a) => a.startsWith('--')));
  if (files.length === 0) {
    console.error('usage: npm run bench:profile -- <file.cpuprofile> [--top=25]');
    process.exit(2);
  }
  for (const file of files) {
    console.log(summarise(JSON.parse(readFileSync(file, 'utf8')) as Profile, intFlag(flags, 'top', 25)));
  }
}
