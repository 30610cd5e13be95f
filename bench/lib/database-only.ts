// The database side of the relay alone: the relay's own store module claiming and marking published a
// backlog, batch after batch, with no Kafka in between. With the ceiling (Kafka alone) it tells what
// limits the drain: a loop that claims, publishes and marks one batch after another takes about
// 1/ceiling + 1/database seconds per row.
import { loadConfig, storeConfig } from '../../relay/config/config.js';
import { createStore } from '../../relay/db/create-store.js';
import { createLogger } from '../../relay/logger.js';

export interface DatabaseOnlyRun {
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  /** Median milliseconds of one claim and of one mark. */
  claimMs: number;
  markMs: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** Claims and marks every row of `table` (already loaded and migrated) in batches of `batchSize`. */
export async function runDatabaseOnly(
  relayEnv: Record<string, string>,
  database: string,
  table: string,
  batchSize: number,
): Promise<DatabaseOnlyRun> {
  const config = loadConfig({ ...relayEnv, OUTBOX_TABLE: table, LOG_LEVEL: 'error' });
  const store = await createStore(storeConfig(config, database), createLogger({ level: 'error' }));
  try {
    await store.ping();
    const claims: number[] = [];
    const marks: number[] = [];
    let rows = 0;
    const started = performance.now();
    for (;;) {
      let t = performance.now();
      const claim = await store.claim(batchSize, config.claimTimeoutMs);
      claims.push(performance.now() - t);
      if (claim.rows.length === 0) break;
      t = performance.now();
      await store.markPublished(
        claim.batchId,
        claim.rows.map((r) => r.id),
      );
      marks.push(performance.now() - t);
      rows += claim.rows.length;
    }
    const seconds = (performance.now() - started) / 1000;
    return { rows, seconds, rowsPerSecond: rows / seconds, claimMs: median(claims), markMs: median(marks) };
  } finally {
    await store.close();
  }
}

/** Migrates `table` in the relay's database, as the relay would. */
export async function migrateTable(
  relayEnv: Record<string, string>,
  database: string,
  table: string,
): Promise<void> {
  const config = loadConfig({ ...relayEnv, OUTBOX_TABLE: table, LOG_LEVEL: 'error' });
  const store = await createStore(storeConfig(config, database), createLogger({ level: 'error' }));
  try {
    await store.migrate();
  } finally {
    await store.close();
  }
}
