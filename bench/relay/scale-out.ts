// Relay scale-out in shared mode: the same backlog drained by 1, 2 and 4 relay processes publishing one
// table at once, each the shares it holds. For each count: a database and topic of their own, the relays
// started and left to split the 64 shares evenly, then the whole backlog committed at one instant (one
// INSERT ... SELECT from a staging table, staged-backlog.ts) and timed from the first message to the last.
// Recorded: messages/s, each relay's CPU and the machine's, and per relay the rows it marked published, the
// shares it held, its rows per second per share and its mean batch time (its /metrics: published_total,
// shares, batch_duration_seconds), with the database's statements and rows per published row. With
// --transactions=both (the default) each count is drained twice, with KAFKA_TRANSACTIONS=true and =false,
// and the ratio of the two rates says what shared mode's Kafka transactions cost.
//
//   npx tsx bench/relay/scale-out.ts --driver=postgres [--relays=1,2,4] [--rows=100000] [--keys=10000]
//     [--partitions=6] [--transactions=on|off|both] [--relay-from=source|dist]
//     [--out=bench/results/scale-out]
import path from 'node:path';
import { calibrate, delta, subtract } from '../lib/db-stats.js';
import { dbCost } from '../lib/db-cost.js';
import { awaitDrain } from '../lib/drain-end.js';
import { checkKnown, choiceFlag, intFlag, parseFlags, stringFlag } from '../lib/flags.js';
import { countTopic } from '../lib/kafka.js';
import { machineInfo } from '../lib/machine.js';
import { createWorkload, DRIVERS, PAYLOAD_BYTES, serverVersions } from '../lib/outbox.js';
import { defaultResultsDir } from '../lib/paths.js';
import { ProcSampler } from '../lib/proc-sampler.js';
import { RELAY_FROM, startRelayProcess, type RelayChild } from '../lib/relay-process.js';
import { relayMetrics, type RelayMetricsSnapshot } from '../lib/relay-metrics.js';
import { commandLine, writeResult, type Result } from '../lib/results.js';
import { round } from '../lib/stats.js';
import { releaseBacklog, stageBacklog } from '../lib/staged-backlog.js';
import {
  scaleOutSummary,
  scaleOutVariant,
  TRANSACTIONS_FLAG,
  type CountRun,
  type RelayRun,
} from './scale-out-report.js';

const flags = parseFlags(process.argv.slice(2));
checkKnown(flags, ['driver', 'relays', 'rows', 'keys', 'partitions', 'transactions', 'relay-from', 'out']);
const driver = choiceFlag(flags, 'driver', DRIVERS, 'postgres');
const relayCounts = stringFlag(flags, 'relays', '1,2,4')
  .split(',')
  .map((n) => Number(n));
if (relayCounts.some((n) => !Number.isInteger(n) || n < 1 || n > 64)) throw new Error('--relays: e.g. 1,2,4');
const rows = intFlag(flags, 'rows', 100_000);
const keys = intFlag(flags, 'keys', 10_000);
const partitions = intFlag(flags, 'partitions', 6);
const transactions = choiceFlag(flags, 'transactions', TRANSACTIONS_FLAG, 'both');
// From source by default: the benchmark is run beside the tests, without a build (tsx's loader costs start-up
// time and some memory, not the steady CPU of a drain).
const relayFrom = choiceFlag(flags, 'relay-from', RELAY_FROM, 'source');
const outDir = path.resolve(stringFlag(flags, 'out', path.join(defaultResultsDir, 'scale-out')));
const SHARES = 64;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until every relay holds its even part of the shares (and all 64 are held). */
async function balanced(relays: RelayChild[], timeoutMs: number): Promise<RelayMetricsSnapshot[]> {
  const deadline = Date.now() + timeoutMs;
  const fair = Math.floor(SHARES / relays.length);
  for (;;) {
    const now = await Promise.all(relays.map((r) => relayMetrics(r.httpPort)));
    const total = now.reduce((n, m) => n + m.shares, 0);
    if (total === SHARES && now.every((m) => m.shares >= fair)) return now;
    if (Date.now() > deadline)
      throw new Error(`shares not balanced in ${timeoutMs} ms: ${now.map((m) => m.shares).join(', ')}`);
    await sleep(250);
  }
}

/** The relays' rows marked since `before`, published or read back, have reached `rows`. */
async function allMarked(relays: RelayChild[], before: RelayMetricsSnapshot[]): Promise<boolean> {
  const now = await Promise.all(relays.map((r) => relayMetrics(r.httpPort)));
  const marked = now.reduce(
    (n, m, i) => n + m.published + m.readBackMarked - before[i]!.published - before[i]!.readBackMarked,
    0,
  );
  return marked >= rows;
}

async function drainWith(count: number, inTransactions: boolean): Promise<CountRun> {
  const workload = await createWorkload({
    driver,
    prefix: `bench_scale${count}${inTransactions ? 't' : 'n'}`,
    relayFrom,
    settings: { RELAY_MODE: 'shared', KAFKA_TRANSACTIONS: String(inTransactions) },
    partitions,
  });
  try {
    const mode = `transactions ${inTransactions ? 'on' : 'off'}`;
    console.log(`${count} relay(s), ${mode}: staging ${rows} rows over ${keys} keys in ${workload.database}`);
    await stageBacklog(workload, rows, keys);
    const spawned = performance.now();
    const relays = await Promise.all(
      Array.from({ length: count }, () => startRelayProcess(relayFrom, workload.relayEnv)),
    );
    try {
      const before = await balanced(relays, 120_000);
      const balanceSeconds = (performance.now() - spawned) / 1000;
      console.log(`  shares ${before.map((m) => m.shares).join(' / ')} after ${balanceSeconds.toFixed(1)} s`);
      const calibration = await calibrate(workload.stats);
      const statsBefore = await workload.stats.snapshot();
      const counter = await countTopic(workload.topic, 50);
      const samplers = relays.map((r) => new ProcSampler(r.pid).start());
      const machine = new ProcSampler(process.pid).start();
      await releaseBacklog(workload);
      // Every row marked (the relays' counters) ends the drain, not the offsets: drain-end.ts.
      const marked = () => allMarked(relays, before);
      const drain = await awaitDrain(counter, rows, marked, Math.max(180_000, (rows / 200) * 1000));
      const done = drain.end;
      samplers.forEach((s) => s.sample());
      machine.sample();
      const after = await Promise.all(relays.map((r) => relayMetrics(r.httpPort)));
      samplers.forEach((s) => s.stop());
      machine.stop();
      await counter.stop();
      // The server counts a connection's work when it ends (PostgreSQL flushes a backend's statistics at
      // its exit at the latest): the relays stop before the statistics are read.
      await Promise.all(relays.map((r) => r.stop()));
      const statsAfter = await workload.stats.snapshot();
      const counts = await workload.counts();
      if (counts.published !== rows || counts.pending !== 0)
        throw new Error(`after the drain ${counts.published} published and ${counts.pending} pending`);
      const firstSeen = drain.first;
      const drainSeconds = drain.seconds;
      const perRelay = relays.map((_, i): RelayRun => {
        const published = after[i]!.published - before[i]!.published;
        const batches = after[i]!.batches - before[i]!.batches;
        const shares = before[i]!.shares;
        const footprint = samplers[i]!.footprint(firstSeen[0], done);
        return {
          shares,
          published,
          rowsPerSecond: round(published / drainSeconds, 1),
          rowsPerSecondPerShare: round(published / drainSeconds / Math.max(shares, 1), 1),
          batches,
          meanBatchMs: round(
            ((after[i]!.batchSeconds - before[i]!.batchSeconds) / Math.max(batches, 1)) * 1000,
            1,
          ),
          cpuMeanPct: round(footprint.cpuMeanPct, 1),
          cpuSeconds: round(footprint.cpuSeconds, 2),
          rssMaxMB: round(footprint.rssMaxMB, 1),
        };
      });
      const run: CountRun = {
        relays: count,
        transactions: inTransactions,
        messagesPerSecond: round(drain.messagesPerSecond, 0),
        drainSeconds: round(drainSeconds, 2),
        transactionMarkers: drain.markers,
        balanceSeconds: round(balanceSeconds, 1),
        relayCpuPct: round((perRelay.reduce((n, r) => n + r.cpuSeconds, 0) / drainSeconds) * 100, 1),
        machineBusyPct: round(machine.footprint(firstSeen[0], done).machineBusyMeanPct, 1),
        perRelay,
        cost: dbCost(driver, subtract(delta(statsBefore, statsAfter), calibration), rows),
      };
      console.log(
        `  ${run.messagesPerSecond} messages/s in ${run.drainSeconds} s; relays' CPU ${run.relayCpuPct}% of a core; ` +
          `per relay ${perRelay.map((r) => `${r.published} rows/${r.shares} shares`).join(', ')}`,
      );
      return run;
    } finally {
      await Promise.all(relays.map((r) => r.stop()));
    }
  } finally {
    await workload.remove();
  }
}

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const machine = machineInfo(await serverVersions(driver));
  const runs: CountRun[] = [];
  const modes = transactions === 'both' ? [true, false] : [transactions === 'on'];
  // With both, the order alternates from one count to the next (on, off; off, on; ...), so that a drift of
  // the machine's load over the run does not always favour the same one.
  for (const [i, count] of relayCounts.entries()) {
    for (const inTransactions of i % 2 === 0 ? modes : [...modes].reverse())
      runs.push(await drainWith(count, inTransactions));
  }
  const result: Result = {
    benchmark: 'scale-out',
    variant: scaleOutVariant(driver, transactions),
    title:
      `Relay scale-out in shared mode on ${driver === 'postgres' ? 'PostgreSQL' : 'MariaDB'}: ` +
      `${relayCounts.join(', ')} relays draining one backlog, Kafka transactions ${transactions}`,
    command: commandLine(),
    startedAt,
    finishedAt: new Date().toISOString(),
    settings: {
      driver,
      rows,
      keys,
      partitions,
      payloadBytes: PAYLOAD_BYTES,
      relays: relayCounts.join(','),
      relayFrom,
      relayMode: 'shared',
      kafkaTransactions:
        transactions === 'both' ? 'true and false, each count drained with each' : transactions,
      shareLeaseMs: 'relay default (10000)',
      batchSize: 'relay default',
      servers: 'local servers',
    },
    machine,
    summary: scaleOutSummary(runs),
    notes: [
      'Each count has a database and topic of its own. Its relays start on an empty outbox and split the 64 ' +
        'shares (each holds floor or ceil of 64/n); then one INSERT ... SELECT commits the whole backlog at once, ' +
        'so the drain timed is neither start-up nor rebalance.',
      "Drain: messages from the first sample of the topic's high watermarks (every 50 ms) to the first that saw " +
        'the final offsets once the relays had marked every row (their /metrics): with transactions the offsets ' +
        'include the commit markers, so reaching the row count does not end the drain (bench/lib/drain-end.ts).',
      'With both settings of KAFKA_TRANSACTIONS, each has a database and topic of its own; the order alternates ' +
        'from one count to the next (on then off, off then on, ...). Ratio: messages/s with transactions over without.',
      'Per relay, from its /metrics before and after the drain: rows marked published (outbox_relay_published_total), ' +
        'shares held (outbox_relay_shares), and batches with their mean duration (outbox_relay_batch_duration_seconds: ' +
        'one batch claimed, sent and marked). Rows per second per share = its rows / drain seconds / its shares.',
      'CPU: /proc/<pid>/stat utime+stime of each relay process every 250 ms over the drain; machine busy from /proc/stat.',
      'Database cost: the server statistics of the benchmark database (bench/lib/db-stats.ts) over the drain, ' +
        "less a calibration, per published row; in shared mode they include the lease table's heartbeats and renewals.",
    ],
    data: { runs },
    series: {},
  };
  writeResult(result, { dir: outDir, plot: false });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
