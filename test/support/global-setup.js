// Brings the servers up once for the integration suites and hands their addresses to the test workers
// through the environment.
//
// TEST_SERVERS=devenv (the default): the local servers, through the same command a developer runs (`npm
// run devenv -- up`), reused when already running. They stay up afterwards so the next run starts fast;
// `npm run devenv -- down` stops them.
//
// TEST_SERVERS=testcontainers: PostgreSQL, MySQL and Kafka in containers (tools/devenv/testcontainers/),
// started in this process and removed by the global teardown; their exports are also written where
// devenv() reads them (tools/devenv/testcontainers/mode.ts).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export default async function globalSetup() {
  const { testServers } = await tsImport('../../tools/devenv/testcontainers/mode.ts', import.meta.url);
  if (testServers() === 'testcontainers') {
    const { startTestServers } = await tsImport(
      '../../tools/devenv/testcontainers/setup.ts',
      import.meta.url,
    );
    Object.assign(process.env, await startTestServers());
    return;
  }
  execFileSync(path.join(root, 'node_modules/.bin/tsx'), [path.join(root, 'tools/devenv/cli.ts'), 'up'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const stateDir = process.env.OUTBOX_RELAY_DEVENV_DIR
    ? path.resolve(process.env.OUTBOX_RELAY_DEVENV_DIR)
    : path.join(root, '.devenv');
  Object.assign(process.env, JSON.parse(readFileSync(path.join(stateDir, 'env.json'), 'utf8')));
}
