// The servers TEST_SERVERS=testcontainers started, as the devenv's exports are kept (env-file.ts): a JSON
// file of the same names (PGHOST ... MYSQL_* ... KAFKA_BROKERS) in the state folder, written by the jest
// global setup and read by test/support/servers.ts's devenv() in every test file. Beside them, the
// containers' ids (for the teardown and for suites that stop the broker) and the images they run.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stateRoot } from '../paths.js';

export type ServerExports = Record<string, string>;

/** The value of TEST_SERVERS in the file, and the prefix of its own entries. */
export const MODE = 'testcontainers';
export const CONTAINER_KEYS = {
  postgres: 'TEST_SERVERS_POSTGRES_CONTAINER',
  mysql: 'TEST_SERVERS_MYSQL_CONTAINER',
  kafka: 'TEST_SERVERS_KAFKA_CONTAINER',
} as const;

export function exportsFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(stateRoot(env), 'testcontainers', 'env.json');
}

export function writeServerExports(exports: ServerExports, env: NodeJS.ProcessEnv = process.env): void {
  const file = exportsFile(env);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(exports, null, 2)}\n`, { mode: 0o600 });
}

export function readServerExports(env: NodeJS.ProcessEnv = process.env): ServerExports | undefined {
  const file = exportsFile(env);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ServerExports) : undefined;
}

export function removeServerExports(env: NodeJS.ProcessEnv = process.env): void {
  rmSync(exportsFile(env), { force: true });
}
