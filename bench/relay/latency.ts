// Relay latency at a steady insert rate: rows inserted at --rate per second for --seconds, each in its own
// transaction, by an application pool; the time from each row's commit (its INSERT's acknowledgement) to
// its receipt by a Kafka consumer in the same process (one clock), with the relay's footprint and
// database cost over the same window. First, the baseline of the same run: the relay's publisher alone
// sending messages that become available at the same rate (no database), received by the same consumer,
// so that the relay's latency can be read against what the producer, broker and consumer take anyway.
//
//   npm run bench:relay-latency -- --driver=postgres [--rate=1000] [--seconds=60] [--keys=1000]
//     [--partitions=6] [--batch-size=250] [--poll-ms=500] [--baseline-seconds=10] [--relay-from=dist|source] [--out=bench/results]
//     [--notify-on-insert=true|false] [--no-plot] [--cpu-prof]
//
// --notify-on-insert=false (PostgreSQL) runs the relay with NOTIFY_ON_INSERT=false: no insert trigger, the
// relay polls, so the target is MariaDB's (p99 <= the poll interval + 50 ms).
import path from 'node:path';
import { logLevel } from 'kafkajs';
import { checkKnown, boolFlag, choiceFlag, intFlag, parseFlags, stringFlag } from '../lib/flags.js';
import { calibrate, delta, subtract } from '../lib/db-stats.js';
import { costRows, dbCost } from '../lib/db-cost.js';
import { publisherSetting, relayTransactions, runPublisherAtRate } from '../lib/kafka.js';
import { machineInfo } from '../lib/machine.js';
import {
  createWorkload,
  deleteTopic,
  DRIVERS,
  keyOf,
  PAYLOAD_BYTES,
  seqOf,
  serverVersions,
} from '../lib/outbox.js';
import { defaultResultsDir } from '../lib/paths.js';
import { ProcSampler } from '../lib/proc-sampler.js';
import { relayPackages, rssFloorMB } from '../lib/rss-floor.js';
import { RELAY_FROM, RELAY_NODE_OPTIONS, startRelayProcess } from '../lib/relay-process.js';
import { checked, commandLine, writeResult, type Result, type SummaryRow } from '../lib/results.js';
import { distribution, logHistogram, round } from '../lib/stats.js';
import { createTopic, eventually, kafkaClient, uniqueName } from '../../test/support/servers.js';

const flags = parseFlags(process.argv.slice(2));
checkKnown(flags, [
  'driver',
  'rate',
  'seconds',
  'keys',
  'partitions',
  'batch-size',
  'poll-ms',
  'baseline-seconds',
  'relay-from',
  'out',
  'no-plot',
  'cpu-prof',
  'notify-on-insert',
]);
const driver = choiceFlag(flags, 'driver', DRIVERS, 'postgres');
const rate = intFlag(flags, 'rate', 1000);
const seconds = intFlag(flags, 'seconds', 60);
const keys = intFlag(flags, 'keys', 1000);
const partitions = intFlag(flags, 'partitions', 6);
const batchSize = intFlag(flags, 'batch-size', 250);
const pollMs = intFlag(flags, 'poll-ms', 500);
const baselineSeconds = intFlag(flags, 'baseline-seconds', 10);
const notifyOnInsert = choiceFlag(flags, 'notify-on-insert', ['true', 'false'] as const, 'true') === 'true';
/** Whether the relay learns of new rows only by polling (MariaDB, or PostgreSQL without the trigger). */
const polled = driver === 'mysql' || !notifyOnInsert;
const relayFrom = choiceFlag(flags, 'relay-from', RELAY_FROM, 'dist');
const outDir = path.resolve(stringFlag(flags, 'out', defaultResultsDir));
const WARMUP_ROWS = 50;
/** Warm-up rows have sequence numbers from here, apart from the measured ones. */
const WARMUP_BASE = 1_000_000_000;

const now = () => performance.now();

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const machine = machineInfo(await serverVersions(driver));
  const total = rate * seconds;
  const workload = await createWorkload({
    driver,
    prefix: 'bench_latency',
    relayFrom,
    settings: {
      BATCH_SIZE: String(batchSize),
      POLL_FREQUENCY_MS: String(pollMs),
      NOTIFY_ON_INSERT: String(notifyOnInsert),
    },
    partitions,
    writers: 8,
  });
  const baselineTopic = await createTopic('bench.latency-baseline', partitions);
  const baselineTotal = rate * baselineSeconds;
  const baselineAvailable = new Float64Array(baselineTotal).fill(NaN);
  const baselineReceived = new Float64Array(baselineTotal).fill(NaN);
  const commitAt = new Float64Array(total).fill(NaN);
  const issuedAt = new Float64Array(total).fill(NaN);
  const receivedAt = new Float64Array(total).fill(NaN);
  let duplicates = 0;
  let warmupsReceived = 0;
  const consumer = kafkaClient(uniqueName('bench-latency'), logLevel.NOTHING).consumer({
    groupId: uniqueName('bench'),
    maxWaitTimeInMs: 100,
  });
  try {
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.connect();
    await consumer.subscribe({ topics: [workload.topic, baselineTopic], fromBeginning: true });
    // No offset commits: kafkajs's default commits after every partition's batch, a round trip to the
    // group coordinator before the next fetch, which this consumer would add to every row's latency.
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const at = now();
        for (const message of batch.messages) {
          const seq = seqOf(message.value ?? Buffer.alloc(0));
          if (batch.topic === baselineTopic) {
            if (Number.isNaN(baselineReceived[seq]!)) baselineReceived[seq] = at;
          } else if (seq >= WARMUP_BASE) warmupsReceived++;
          else if (!Number.isNaN(receivedAt[seq]!)) duplicates++;
          else receivedAt[seq] = at;
        }
      },
    });
    await joined;

    if (baselineTotal > 0) {
      console.log(`baseline: the relay's publisher alone, ${rate} messages/s for ${baselineSeconds} s`);
      await runPublisherAtRate(
        workload.relayEnv,
        baselineTopic,
        partitions,
        rate,
        baselineSeconds,
        keys,
        batchSize,
        baselineAvailable,
      );
      await eventually(
        'the baseline messages to arrive',
        async () => (baselineReceived.every((t) => !Number.isNaN(t)) ? true : undefined),
        60_000,
      );
    }

    console.log(
      `${driver}: relay (${relayFrom}) on ${workload.database}; warming up with ${WARMUP_ROWS} rows`,
    );
    const profileDir = boolFlag(flags, 'cpu-prof') ? path.join(outDir, 'profiles') : undefined;
    const relay = await startRelayProcess(relayFrom, workload.relayEnv, profileDir);
    const sampler = new ProcSampler(relay.pid).start();
    for (let i = 0; i < WARMUP_ROWS; i++) await workload.insertOne(WARMUP_BASE + i, keyOf(i, keys));
    await eventually(
      'the warm-up rows to arrive',
      async () => (warmupsReceived >= WARMUP_ROWS ? true : undefined),
      60_000,
    );
    // Closing the warm-up connections makes the server count their inserts before the first snapshot, and
    // PostgreSQL's backends publish their counters at most once a second: the relay's polls make it do so.
    await workload.endWriters();
    await new Promise((r) => setTimeout(r, 2000));
    const calibration = await calibrate(workload.stats);
    const before = await workload.stats.snapshot();

    console.log(`inserting ${rate} rows/s for ${seconds} s, each in its own transaction`);
    let failed = 0;
    let issued = 0;
    let committed = 0;
    const t0 = now();
    await new Promise<void>((resolve) => {
      const tick = () => {
        const due = Math.min(total, Math.floor(((now() - t0) / 1000) * rate) + 1);
        while (issued < due) {
          const seq = issued++;
          issuedAt[seq] = now();
          workload.insertOne(seq, keyOf(seq, keys)).then(
            () => {
              commitAt[seq] = now();
              if (++committed + failed === total) resolve();
            },
            () => {
              failed++;
              if (committed + failed === total) resolve();
            },
          );
        }
        if (issued < total) setTimeout(tick, 1);
      };
      tick();
    });
    const insertsDone = now();
    await eventually(
      `all ${committed} committed rows to arrive`,
      async () => (receivedAt.filter((t) => !Number.isNaN(t)).length >= committed ? true : undefined),
      60_000,
    ).catch((error: unknown) => console.error(String(error)));
    // A loop, not Math.max(...): at 10,000 rows/s the receipts outnumber the arguments a call may take.
    const lastReceipt = receivedAt.reduce((last, t) => (t > last ? t : last), -Infinity);
    const peak = sampler.peakMB();
    sampler.stop();
    await relay.stop();
    await workload.endWriters();
    const after = await workload.stats.snapshot();

    const latencies: number[] = [];
    const commits: number[] = [];
    let missing = 0;
    for (let seq = 0; seq < total; seq++) {
      if (Number.isNaN(commitAt[seq]!)) continue;
      commits.push(commitAt[seq]! - issuedAt[seq]!);
      if (Number.isNaN(receivedAt[seq]!)) missing++;
      else latencies.push(receivedAt[seq]! - commitAt[seq]!);
    }
    const baselineLatencies = Array.from(baselineReceived, (t, i) => t - baselineAvailable[i]!).filter(
      (l) => !Number.isNaN(l),
    );
    const baseline = baselineLatencies.length > 0 ? distribution(baselineLatencies) : undefined;
    const latency = distribution(latencies);
    const commit = distribution(commits);
    const perSecond: Array<[number, number, number, number]> = [];
    for (let s = 0; s < seconds; s++) {
      const window: number[] = [];
      for (let seq = s * rate; seq < (s + 1) * rate; seq++) {
        if (!Number.isNaN(receivedAt[seq]!) && !Number.isNaN(commitAt[seq]!))
          window.push(receivedAt[seq]! - commitAt[seq]!);
      }
      if (window.length > 0) {
        const d = distribution(window);
        perSecond.push([s, round(d.p50, 2), round(d.p99, 2), round(d.max, 2)]);
      }
    }
    const achievedRate = committed / ((insertsDone - t0) / 1000);
    const published = latencies.length;
    const footprint = sampler.footprint(t0 / 1000, lastReceipt / 1000, peak);
    const relayDelta = subtract(delta(before, after), calibration);
    const cost = dbCost(driver, relayDelta, published, driver === 'postgres' ? committed + failed : 0);
    const targets: SummaryRow[] = !polled
      ? [
          checked('latency p50', round(latency.p50), 'ms', '<=', 10),
          checked('latency p99', round(latency.p99), 'ms', '<=', 50),
        ]
      : [
          { measure: 'latency p50', value: round(latency.p50), unit: 'ms' },
          checked('latency p99', round(latency.p99), 'ms', '<=', pollMs + 50),
        ];

    const result: Result = {
      benchmark: 'relay-latency',
      variant: driver === 'postgres' && !notifyOnInsert ? 'postgres-no-notify' : driver,
      title: `Relay latency on ${driver === 'postgres' ? 'PostgreSQL' : 'MariaDB'}: ${rate} rows/s for ${seconds} s, commit to receipt`,
      command: commandLine(),
      startedAt,
      finishedAt: new Date().toISOString(),
      settings: {
        driver,
        rate,
        seconds,
        keys,
        partitions,
        payloadBytes: PAYLOAD_BYTES,
        acks: 'all (-1)',
        batchSize,
        pollFrequencyMs: pollMs,
        ...(driver === 'postgres' ? { notifyOnInsert } : {}),
        relayFrom,
        relayNodeOptions: RELAY_NODE_OPTIONS,
        baselinePublisher: publisherSetting(relayTransactions(workload.relayEnv)),
        applicationConnections: 8,
      },
      machine,
      summary: [
        ...targets,
        ...(baseline
          ? [
              {
                measure: 'baseline (publisher alone) p50 / p99',
                value: `${round(baseline.p50)} / ${round(baseline.p99)}`,
                unit: 'ms',
              },
              { measure: 'relay / baseline, p50', value: round(latency.p50 / baseline.p50), unit: 'ratio' },
              { measure: 'relay / baseline, p99', value: round(latency.p99 / baseline.p99), unit: 'ratio' },
            ]
          : []),
        { measure: 'latency p90', value: round(latency.p90), unit: 'ms' },
        { measure: 'latency p99.9', value: round(latency.p999), unit: 'ms' },
        { measure: 'latency max', value: round(latency.max), unit: 'ms' },
        { measure: 'rows received / committed', value: `${published} / ${committed}`, unit: 'rows' },
        {
          measure: 'rows missing, failed inserts, duplicates',
          value: `${missing}, ${failed}, ${duplicates}`,
          unit: 'rows',
        },
        { measure: 'insert rate achieved', value: round(achievedRate, 0), unit: 'rows/s' },
        {
          measure: 'insert commit time p50 / p99',
          value: `${round(commit.p50)} / ${round(commit.p99)}`,
          unit: 'ms',
        },
        checked('relay RSS, max', round(footprint.rssMaxMB, 1), 'MB', '<=', 150),
        {
          measure: `floor: node with ${relayPackages(driver).join(', ')} imported, nothing else`,
          value: round(rssFloorMB(relayPackages(driver)), 1),
          unit: 'MB',
        },
        { measure: 'relay CPU, mean', value: round(footprint.cpuMeanPct, 1), unit: '% of a core' },
        {
          measure: 'machine busy, mean',
          value: round(footprint.machineBusyMeanPct, 1),
          unit: '% of all cores',
        },
        ...costRows(cost, 'steady'),
      ],
      notes: [
        'Latency: from the moment the INSERT (one row, autocommit: its own transaction) was acknowledged to the ' +
          'application, to the moment the consumer (kafkajs, same process, performance.now()) received the ' +
          'fetch response holding the row. The acknowledgement comes a little after the commit itself, so the ' +
          'figures can only understate by up to the commit time above.',
        `Baseline: before the relay starts, the relay's publisher module alone (same producer settings) sends messages that become available at ${rate}/s for ${baselineSeconds} s, whatever is waiting (up to the batch size) in one send, one send at a time; latency from availability to receipt by the same consumer.`,
        `Warm-up: ${WARMUP_ROWS} rows published before measuring; the relay's first claim and the consumer's group join are outside the window.`,
        `Database cost: ${cost.method}.`,
        'RSS and CPU: /proc/<pid>/status VmRSS and /proc/<pid>/stat utime+stime of the relay process, every 250 ms, from the first insert to the last receipt.',
      ],
      data: {
        latency,
        baseline,
        commit,
        footprint,
        databaseCost: cost,
        databaseDelta: relayDelta,
        calibration,
        achievedRate,
      },
      series: {
        latencyHistogram: logHistogram(latencies, 0.1, 100_000),
        baselineHistogram: logHistogram(baselineLatencies, 0.1, 100_000),
        perSecond,
        relay: sampler.samples
          .filter((s) => s.t >= t0 / 1000 - 1)
          .map((s) => [
            round(s.t - t0 / 1000, 3),
            round(s.rssMB, 1),
            round(s.cpuPct, 1),
            round(s.machineBusyPct, 1),
          ]),
      },
    };
    writeResult(result, { dir: outDir, plot: !boolFlag(flags, 'no-plot') });
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await workload.remove();
    await deleteTopic(baselineTopic);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
