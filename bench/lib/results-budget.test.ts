// bench/results holds what bench/RESULTS.md links, within a size budget: every file is linked from
// RESULTS.md, directly, through a linked Markdown table, or in a linked folder; the whole folder and each
// file stay under their limits; and every result JSON is written as resultJson writes it (series on one
// line), so a re-recorded run cannot quietly grow the repository fourfold.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './paths.js';
import { resultJson } from './result-json.js';

const BENCH = path.join(repoRoot, 'bench');
const RESULTS = path.join(BENCH, 'results');
const TOTAL_BYTES = 10 * 1024 * 1024;
const FILE_BYTES = 400 * 1024;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}

/** Every file reachable from RESULTS.md by relative links, following linked Markdown files and folders. */
function linkedFiles(): Set<string> {
  const seen = new Set<string>();
  const todo = [path.join(BENCH, 'RESULTS.md')];
  while (todo.length > 0) {
    const md = todo.pop() as string;
    for (const match of readFileSync(md, 'utf8').matchAll(/\]\(([^)#\s]+)/g)) {
      const link = match[1] as string;
      if (/^[a-z]+:/.test(link)) continue;
      const target = path.resolve(path.dirname(md), link);
      if (seen.has(target)) continue;
      seen.add(target);
      let isDir = false;
      try {
        isDir = statSync(target).isDirectory();
      } catch {
        continue;
      }
      if (isDir) for (const f of filesUnder(target)) seen.add(f);
      else if (target.endsWith('.md')) todo.push(target);
    }
  }
  return seen;
}

const files = filesUnder(RESULTS);
const rel = (f: string) => path.relative(BENCH, f);

describe('bench/results', () => {
  it('holds only files that RESULTS.md links', () => {
    const linked = linkedFiles();
    expect(files.filter((f) => !linked.has(f)).map(rel)).toEqual([]);
  });

  it(`stays within ${TOTAL_BYTES / 1024 / 1024} MiB, and each file within ${FILE_BYTES / 1024} KiB`, () => {
    const sizes = files.map((f) => ({ file: rel(f), bytes: statSync(f).size }));
    expect(sizes.filter((s) => s.bytes > FILE_BYTES)).toEqual([]);
    expect(sizes.reduce((sum, s) => sum + s.bytes, 0)).toBeLessThanOrEqual(TOTAL_BYTES);
  });

  it('has every result JSON written as resultJson writes it', () => {
    const json = files.filter((f) => f.endsWith('.json'));
    expect(json.length).toBeGreaterThan(0);
    const loose = json.filter((f) => {
      const text = readFileSync(f, 'utf8');
      return resultJson(JSON.parse(text)) !== text;
    });
    expect(loose.map(rel)).toEqual([]);
  });
});
