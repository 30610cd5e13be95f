// scripts/build.mjs, the one build: the package's bins come out executable and nothing else does, and every
// path that compiles the relay or the operator (npm scripts, the images, the demo, the benchmarks, the
// tools) goes through it rather than running tsc itself.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
  scripts: Record<string, string>;
};

/** Files under a folder, recursively, with the given endings. */
function filesUnder(dir: string, endings: string[]): string[] {
  return readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && endings.some((end) => e.name.endsWith(end)))
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)));
}

// Running the compiler: its binary, or `tsc -p` in a script line.
const RUNS_TSC = /(?:\.bin\/tsc|typescript\/bin\/tsc)\b|\btsc -p\b/;

describe('scripts/build.mjs', () => {
  let out: string;

  beforeAll(() => {
    out = mkdtempSync(path.join(os.tmpdir(), 'outbox-build-'));
  });

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("compiles the relay and the operator with the package's bins executable, and only those", async () => {
    await exec(process.execPath, [path.join(root, 'scripts/build.mjs'), '--out-dir', out], { cwd: root });
    const mode = (file: string) => statSync(path.join(out, file)).mode & 0o777;
    expect(Object.values(pkg.bin).map((bin) => [bin, mode(bin.replace(/^dist\//, ''))])).toEqual([
      ['dist/relay/main.js', 0o755],
      ['dist/operator/main.js', 0o755],
    ]);
    expect(mode('relay/metrics.js') & 0o111).toBe(0);
    expect(mode('operator/config.js') & 0o111).toBe(0);
  }, 300_000);

  it('is what npm run build and the images run', () => {
    expect(pkg.scripts.build).toBe('node scripts/build.mjs');
    for (const dockerfile of ['Dockerfile.relay', 'Dockerfile.operator']) {
      const text = readFileSync(path.join(root, dockerfile), 'utf8');
      expect({ dockerfile, builds: /RUN npm run build\b/.test(text), tsc: RUNS_TSC.test(text) }).toEqual({
        dockerfile,
        builds: true,
        tsc: false,
      });
    }
  });

  it('is the only build: no npm script, test, benchmark or tool runs tsc for output itself', () => {
    const scripts = Object.entries(pkg.scripts)
      .filter(([, line]) => /\btsc\b/.test(line) && !line.includes('--noEmit'))
      .map(([name]) => name);
    expect(scripts).toEqual([]);
    const sources = ['test', 'bench', 'tools', 'scripts'].flatMap((dir) =>
      filesUnder(dir, ['.ts', '.mjs', '.js', '.sh']),
    );
    expect(sources.length).toBeGreaterThan(50);
    const self = path.relative(root, fileURLToPath(import.meta.url));
    const running = sources.filter(
      (file) => file !== self && RUNS_TSC.test(readFileSync(path.join(root, file), 'utf8')),
    );
    // The build itself, and nothing else: the pattern does find a run of tsc.
    expect(running).toEqual(['scripts/build.mjs']);
  });
});
