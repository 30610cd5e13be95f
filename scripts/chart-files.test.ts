import { lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { CHART, CHART_COPIES, drifted, repoRoot, SYNC_COMMAND } from './chart-files.js';

function symlinksUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isSymbolicLink()) return [path.relative(repoRoot, p)];
    return e.isDirectory() ? symlinksUnder(p) : [];
  });
}

describe("the chart's copies of files kept elsewhere", () => {
  it('are regular files, and the chart holds no symlink', () => {
    expect(symlinksUnder(path.join(repoRoot, CHART))).toEqual([]);
    for (const { copy } of CHART_COPIES) expect(lstatSync(path.join(repoRoot, copy)).isFile()).toBe(true);
  });

  it(`are the same as their sources (run \`${SYNC_COMMAND}\` after changing one)`, () => {
    expect(drifted()).toEqual([]);
  });
});
