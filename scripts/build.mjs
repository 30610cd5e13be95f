// The one build of the relay and the operator: tsc with tsconfig.build.json, then the package's bin entry
// points made executable (tsc writes every file mode 0644). `npm run build`, the images' Dockerfiles, the
// demo and the benchmarks all run this, so dist/relay/main.js and dist/operator/main.js are executable
// whichever way they were built.
//
//   node scripts/build.mjs [--root DIR] [--out-dir DIR]
//
// --root: the checkout to build (default: the one holding this script; the operator benchmark builds an
// older commit's worktree). --out-dir: where the JavaScript goes instead of the root's dist/.
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { root: { type: 'string' }, 'out-dir': { type: 'string' } } });
const root = path.resolve(values.root ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
const outDir = path.resolve(values['out-dir'] ?? path.join(root, 'dist'));

execFileSync(
  process.execPath,
  [
    path.join(root, 'node_modules/typescript/bin/tsc'),
    '-p',
    path.join(root, 'tsconfig.build.json'),
    '--outDir',
    outDir,
  ],
  { cwd: root, stdio: 'inherit' },
);

const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
for (const file of Object.values(pkg.bin)) {
  if (!file.startsWith('dist/')) throw new Error(`package.json bin ${file}: not under dist/`);
  chmodSync(path.join(outDir, file.slice('dist/'.length)), 0o755);
}
