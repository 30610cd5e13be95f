// The database side of the relay alone: the relay's own store module claiming and marking published a
// backlog, batch after batch, with no Kafka in between. With the ceiling (Kafka alone) it tells what
// limits the drain: a loop that claims, publishes and marks one batch after another takes about
// 1/ceiling + 1/database seconds per row.
import { loadConfig, storeConfig } from '../../relay/config/config.js';
import { createStore } from '../../relay/db/create-store.js';
import { createLogger } from '../../relay/logger.js';
import { keyOf, type Workload } from './outbox.js';
import type { SummaryRow } from './results.js';
import { round } from './stats.js';

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

/**
 * A second backlog of `rows` rows over `keys` keys, loaded `chunk` at a time into a second table of the
 * workload's database, then claimed and marked by the relay's store alone, `batchSize` at a time.
 */
export async function databaseAlone(
  workload: Workload,
  o: { rows: number; keys: number; chunk: number; batchSize: number },
): Promise<DatabaseOnlyRun> {
  console.log(`database alone: the relay's store claims and marks ${o.rows} rows, no Kafka`);
  const table = 'kafka_outbox_db_only';
  await migrateTable(workload.relayEnv, workload.database, table);
  for (let start = 0; start < o.rows; start += o.chunk) {
    const seqs = Array.from({ length: Math.min(o.chunk, o.rows - start) }, (_, i) => start + i);
    await workload.insert(
      seqs.map((seq) => ({ seq, key: keyOf(seq, o.keys) })),
      table,
    );
  }
  await workload.analyze(table);
  await workload.endWriters();
  const run = await runDatabaseOnly(workload.relayEnv, workload.database, table, o.batchSize);
  console.log(`  ${run.rowsPerSecond.toFixed(0)} rows/s`);
  return run;
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

/**
 * The database-alone rows of the throughput summary and the two models of the drain built from it: the
 * loop overlaps the database work with the sending, so the slower of the two sets its pace; the
 * sequential sum is kept beside it as what a claim-publish-mark loop without overlap would reach.
 */
export function databaseAloneRows(
  dbOnly: DatabaseOnlyRun,
  ceilingRate: number,
  drainRate: number,
): SummaryRow[] {
  const sequential = 1 / (1 / ceilingRate + 1 / dbOnly.rowsPerSecond);
  const overlapped = Math.min(ceilingRate, dbOnly.rowsPerSecond);
  return [
    {
      measure: `database alone: claim + mark of ${dbOnly.rows} rows, no Kafka`,
      value: round(dbOnly.rowsPerSecond, 0),
      unit: 'rows/s',
    },
    {
      measure: 'database alone: median claim / mark of one batch',
      value: `${round(dbOnly.claimMs)} / ${round(dbOnly.markMs)}`,
      unit: 'ms',
    },
    { measure: 'overlapped model: min(ceiling, database)', value: round(overlapped, 0), unit: 'messages/s' },
    { measure: 'drain / overlapped model', value: round(drainRate / overlapped, 3), unit: 'ratio' },
    {
      measure: 'one-after-the-other model: 1 / (1/ceiling + 1/database)',
      value: round(sequential, 0),
      unit: 'messages/s',
    },
  ];
}
