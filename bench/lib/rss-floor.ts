// The resident size of a bare Node.js process that has only imported the given packages: the floor under
// a program's RSS that its own code cannot go below without dropping or trimming a dependency. Measured in
// the same run as the program, so that the two can be compared.
import { execFileSync } from 'node:child_process';
import { repoRoot } from './paths.js';

/** What the relay imports for a driver: it loads only the configured dialect's driver. */
export function relayPackages(driver: 'postgres' | 'mysql'): string[] {
  return ['kafkajs', driver === 'postgres' ? 'pg' : 'mysql2/promise', 'pino', 'prom-client', 'ajv'];
}
// The operator no longer imports @kubernetes/client-node on its runtime path (operator/kube/connection.ts).
export const OPERATOR_PACKAGES = ['pino', 'prom-client', 'ajv', 'js-yaml'];

/** RSS in MB of `node` after importing `packages` (and collecting garbage). */
export function rssFloorMB(packages: readonly string[]): number {
  const script = `for (const p of ${JSON.stringify(packages)}) await import(p);
globalThis.gc?.();
await new Promise((r) => setTimeout(r, 200));
process.stdout.write(String(process.memoryUsage().rss));`;
  const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], {
    cwd: repoRoot,
  });
  return Number(out.toString()) / 2 ** 20;
}
