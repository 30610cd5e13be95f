// Brings the local servers up once for the integration suites (or reuses those already running), through
// the same command a developer runs (`npm run devenv -- up`), and hands their addresses to the test
// workers through the environment. The servers stay up afterwards so the next run starts fast;
// `npm run devenv -- down` stops them.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export default function globalSetup() {
  execFileSync(path.join(root, 'node_modules/.bin/tsx'), [path.join(root, 'test/devenv/cli.ts'), 'up'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const stateDir = process.env.OUTBOX_RELAY_DEVENV_DIR
    ? path.resolve(process.env.OUTBOX_RELAY_DEVENV_DIR)
    : path.join(root, '.devenv');
  Object.assign(process.env, JSON.parse(readFileSync(path.join(stateDir, 'env.json'), 'utf8')));
}
