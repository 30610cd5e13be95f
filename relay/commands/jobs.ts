// The one-shot commands: cleanup, optimize, migrate, status, requeue. Each serves every database of
// DB_NAME in turn and returns what it did; main prints it.
import type { MigrationResult, OutboxStore, StoreStatus } from '../db/store.js';
import type { RelayConfig } from '../config/config.js';
import type { Logger } from '../logger.js';
import { quitSidecar } from './sidecar.js';

export interface JobDeps {
  config: RelayConfig;
  stores: readonly OutboxStore[];
  logger: Logger;
  fetchFn?: typeof fetch;
}

export async function cleanupJob(deps: JobDeps): Promise<string[]> {
  try {
    const lines: string[] = [];
    for (const store of deps.stores) {
      const deleted = await store.cleanup(deps.config.cleanupRetentionMs);
      deps.logger.info({ database: store.database, deleted }, 'cleanup done');
      lines.push(`${store.database}: deleted ${deleted} published rows`);
    }
    return lines;
  } finally {
    await quitSidecar(deps.config.sidecarProxyUrl, deps.logger, deps.fetchFn);
  }
}

export async function optimizeJob(deps: JobDeps): Promise<string[]> {
  try {
    const lines: string[] = [];
    for (const store of deps.stores) {
      await store.optimize();
      deps.logger.info({ database: store.database }, 'optimize done');
      lines.push(`${store.database}: optimized ${store.table}`);
    }
    return lines;
  } finally {
    await quitSidecar(deps.config.sidecarProxyUrl, deps.logger, deps.fetchFn);
  }
}

export function describeMigration(database: string, result: MigrationResult): string {
  const done = result.applied.length === 0 ? 'up to date' : `applied ${result.applied.join(', ')}`;
  const adopted = result.adoptedGoRelayTable ? ' (adopted the Go relay table)' : '';
  const trigger = result.notifyTrigger ? `; notify trigger ${result.notifyTrigger}` : '';
  return `${database}: ${done}${adopted}${trigger}`;
}

export async function migrateJob(deps: JobDeps): Promise<string[]> {
  const lines: string[] = [];
  for (const store of deps.stores) {
    const result = await store.migrate();
    deps.logger.info({ database: store.database, ...result }, 'migrations done');
    lines.push(describeMigration(store.database, result));
  }
  return lines;
}

export function formatStatus(statuses: readonly StoreStatus[]): string[] {
  const header = ['DATABASE', 'PENDING', 'ERRORED', 'OLDEST PENDING', 'TOTAL'];
  const rows = statuses.map((s) => [
    s.database,
    String(s.pending),
    String(s.errored),
    s.oldestPendingAgeSeconds === null ? '-' : `${Math.round(s.oldestPendingAgeSeconds)}s`,
    String(s.total),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
}

export async function statusJob(deps: JobDeps): Promise<string[]> {
  const statuses: StoreStatus[] = [];
  for (const store of deps.stores) statuses.push(await store.status());
  return formatStatus(statuses);
}

export async function requeueJob(deps: JobDeps, ids: string[] | 'all'): Promise<string[]> {
  const lines: string[] = [];
  for (const store of deps.stores) {
    const count = await store.requeue(ids);
    deps.logger.info({ database: store.database, requeued: count }, 'requeue done');
    lines.push(`${store.database}: requeued ${count} errored row${count === 1 ? '' : 's'}`);
  }
  return lines;
}
