// Relay throughput: the ceiling (the same messages pre-built in memory, sent by the relay's own kafkajs
// publisher with its batching and settings, no database) and the drain (a backlog of rows drained by one
// relay process), their ratio, and the relay's footprint and database cost while draining. The ceiling is
// measured before and after the drain and averaged, so that the ratio compares figures of the same run.
// The broker's limit (Kafka's own producer performance tool, broker-limit.ts) runs before and after the
// drain too, with the drain's compression, then lz4 and none; the target is drain / limit >= 0.5.
//
//   npm run bench:relay-throughput -- --driver=postgres [--rows=200000] [--keys=1000] [--partitions=6]
//     [--batch-size=250] [--max-batch-size=1000] [--compression=gzip|lz4|none] [--no-limit] [--limit-records=400000] [--relay-from=dist|source]
//     [--out=bench/results] [--no-plot] [--cpu-prof]
//   against a cluster of one's own (creates, writes and removes the given topic and table; cluster-target.ts):
//   npm run bench:relay-throughput -- --brokers=HOST:PORT,... --database-url=postgres://USER:PASS@HOST/DB
//     [--topic=outbox-relay-bench] [--table=kafka_outbox_bench] [--kafka-properties=FILE] --yes
import os from 'node:os';
import path from 'node:path';
import { rmSync } from 'node:fs';
import { checkKnown, boolFlag, choiceFlag, intFlag, parseFlags, stringFlag } from '../lib/flags.js';
import { calibrate, delta, subtract } from '../lib/db-stats.js';
import { limitCompressions, runBrokerLimit, type LimitRun } from '../lib/broker-limit.js';
import { writePayloadFile } from '../lib/producer-perf.js';
import { dbCost } from '../lib/db-cost.js';
import { databaseAlone } from '../lib/database-only.js';
import { CLUSTER_WARNING, clusterTarget, describeTarget, redactDatabaseUrl } from '../lib/cluster-target.js';
import { clusterWorkload, relayKafka } from '../lib/cluster-workload.js';
import { awaitDrain } from '../lib/drain-end.js';
import { countTopic, publisherSetting, runCeiling, type CeilingRun } from '../lib/kafka.js';
import { machineInfo } from '../lib/machine.js';
import { createWorkload, deleteTopic, DRIVERS, keyOf, PAYLOAD_BYTES, serverVersions } from '../lib/outbox.js';
import { defaultResultsDir } from '../lib/paths.js';
import { ProcSampler } from '../lib/proc-sampler.js';
import { RELAY_FROM, RELAY_NODE_OPTIONS, startRelayProcess } from '../lib/relay-process.js';
import { relayMetrics } from '../lib/relay-metrics.js';
import { commandLine, writeResult, type Result } from '../lib/results.js';
import { round } from '../lib/stats.js';
import { createTopic, kafkaBrokers } from '../../test/support/servers.js';
import { kafkaToolsClasspath, kafkaToolsInstall } from '../../tools/devenv/kafka-tools.js';
import { settings as devenvSettings } from '../../tools/devenv/settings.js';
import { throughputNotes, throughputSeries, throughputSummary } from './throughput-report.js';

const flags = parseFlags(process.argv.slice(2));
checkKnown(flags, [
  'driver',
  'rows',
  'keys',
  'partitions',
  'batch-size',
  'max-batch-size',
  'compression',
  'no-limit',
  'limit-records',
  'relay-from',
  'out',
  'no-plot',
  'cpu-prof',
  'brokers',
  'database-url',
  'topic',
  'table',
  'kafka-properties',
  'yes',
]);
const target = clusterTarget(flags);
const driver = target?.driver ?? choiceFlag(flags, 'driver', DRIVERS, 'postgres');
const rows = intFlag(flags, 'rows', 200_000);
const keys = intFlag(flags, 'keys', 1000);
const partitions = intFlag(flags, 'partitions', 6);
const batchSize = intFlag(flags, 'batch-size', 250);
const maxBatchSize = intFlag(flags, 'max-batch-size', 1000);
// Under a backlog the relay's reads grow from BATCH_SIZE to MAX_BATCH_SIZE (relay/engine/batch-size.ts): the
// ceiling and the database alone are measured at the size the drain runs at.
const grownBatch = Math.max(batchSize, maxBatchSize);
const compression = choiceFlag(flags, 'compression', ['gzip', 'lz4', 'none'] as const, 'gzip');
const withLimit = !boolFlag(flags, 'no-limit');
// Each run of the tool starts a fresh JVM that compiles while it sends: measured here, 32,700 records/s over
// 100,000 records and 69,300 over 400,000 (gzip, the same load). So it sends at least 400,000.
const limitRecords = intFlag(flags, 'limit-records', Math.max(rows, 400_000));
const relayFrom = choiceFlag(flags, 'relay-from', RELAY_FROM, 'dist');
const outDir = path.resolve(stringFlag(flags, 'out', defaultResultsDir));

/** The machine's load average (1, 5, 15 min) at the start of each phase: other work shares these cores. */
const loadAverage: Record<string, number[]> = {};
const markLoad = (phase: string): void => {
  loadAverage[phase] = os.loadavg().map((l) => round(l, 2));
};

/** The warning before a run on a user's cluster; without --yes it stops there. */
function confirmCluster(): void {
  if (!target) return;
  console.error(`${CLUSTER_WARNING}\n${describeTarget(target)}`);
  if (!boolFlag(flags, 'yes')) {
    console.error('Not confirmed: add --yes to run.');
    process.exit(2);
  }
}

async function main(): Promise<void> {
  confirmCluster();
  const startedAt = new Date().toISOString();
  markLoad('start');
  const limitTools = withLimit ? devenvSettings() : undefined;
  if (limitTools) await kafkaToolsInstall(limitTools);
  const machine = machineInfo(target ? {} : await serverVersions(driver));
  const relaySettings = {
    BATCH_SIZE: String(batchSize),
    MAX_BATCH_SIZE: String(maxBatchSize),
    KAFKA_COMPRESSION: compression,
  };
  const workload = target
    ? await clusterWorkload(target, relayFrom, relaySettings, partitions)
    : await createWorkload({ driver, prefix: 'bench_drain', relayFrom, settings: relaySettings, partitions });
  // On a user's cluster every phase writes the one topic given (the drain's counter counts from its start).
  const ceilingTopic = target ? target.topic : await createTopic('bench.ceiling', partitions);
  const limitTopic = !withLimit
    ? undefined
    : target
      ? target.topic
      : await createTopic('bench.limit', partitions);
  const payloadFile = withLimit ? writePayloadFile(keys) : undefined;
  const limits: LimitRun[] = [];
  const brokerLimit = async (run: number): Promise<void> => {
    if (!limitTools || !limitTopic || !payloadFile) return;
    markLoad(`broker limit ${run}`);
    console.log(`broker limit ${run}: ${limitRecords} records through Kafka's own producer performance tool`);
    const options = {
      classpath: kafkaToolsClasspath(limitTools),
      brokers: (target?.brokers ?? kafkaBrokers()).join(','),
      topic: limitTopic,
      ...(target?.kafkaProperties ? { configFile: target.kafkaProperties } : {}),
      records: limitRecords,
      payloadFile,
    };
    limits.push(...(await runBrokerLimit(options, limitCompressions(compression), run)));
  };
  try {
    console.log(`${driver}: loading a backlog of ${rows} rows into ${workload.database}`);
    const loadStarted = performance.now();
    const chunk = driver === 'postgres' ? 5000 : 2000;
    for (let start = 0; start < rows; start += chunk) {
      const seqs = Array.from({ length: Math.min(chunk, rows - start) }, (_, i) => start + i);
      await workload.insert(seqs.map((seq) => ({ seq, key: keyOf(seq, keys) })));
    }
    await workload.analyze();
    await workload.endWriters();
    const loadSeconds = (performance.now() - loadStarted) / 1000;

    await brokerLimit(1);
    const ceilings: CeilingRun[] = [];
    markLoad('ceiling 1');
    console.log(`ceiling 1: ${rows} messages through the relay's publisher alone`);
    ceilings.push(await runCeiling(workload.relayEnv, ceilingTopic, partitions, rows, keys, grownBatch));
    console.log(`  ${ceilings[0]!.messagesPerSecond.toFixed(0)} messages/s`);

    const calibration = await calibrate(workload.stats);
    const before = await workload.stats.snapshot();
    const counter = await countTopic(workload.topic, 50, target ? relayKafka(workload.relayEnv) : undefined);
    markLoad('drain');
    console.log(`drain: one relay process (${relayFrom}) publishes the backlog`);
    const profileDir = boolFlag(flags, 'cpu-prof') ? path.join(outDir, 'profiles') : undefined;
    const spawned = performance.now() / 1000;
    const relay = await startRelayProcess(relayFrom, workload.relayEnv, profileDir);
    const sampler = new ProcSampler(relay.pid).start();
    const leading = await relay.leading;
    // Every row marked (the relay's counters) ends the drain, not the offsets: drain-end.ts.
    const marked = async () => {
      const m = await relayMetrics(relay.httpPort);
      return m.published + m.readBackMarked >= rows;
    };
    const drain = await awaitDrain(counter, rows, marked, Math.max(120_000, (rows / 200) * 1000));
    const done = drain.end;
    // A sample at the end of the drain while the relay still runs: a drain shorter than the sampling
    // interval has no sample of its own otherwise, and the relay is stopped before the footprint is read.
    sampler.sample();
    const peak = sampler.peakMB();
    sampler.stop();
    await relay.stop();
    await counter.stop();
    const after = await workload.stats.snapshot();
    const counts = await workload.counts();
    if (counts.published !== rows || counts.pending !== 0) {
      throw new Error(
        `after the drain ${counts.published} rows are published and ${counts.pending} pending, not ${rows} and 0`,
      );
    }

    // A second backlog claimed and marked by the relay's store alone, in a second table (local servers only).
    const dbOnlyRun = { rows: Math.min(rows, 50_000), keys, chunk, batchSize: grownBatch };
    const dbOnly = target ? undefined : await databaseAlone(workload, dbOnlyRun);

    markLoad('ceiling 2');
    console.log(`ceiling 2: ${rows} messages through the relay's publisher alone`);
    ceilings.push(await runCeiling(workload.relayEnv, ceilingTopic, partitions, rows, keys, grownBatch));
    console.log(`  ${ceilings[1]!.messagesPerSecond.toFixed(0)} messages/s`);
    await brokerLimit(2);
    markLoad('end');

    const firstSeen = drain.first;
    const drainSeconds = drain.seconds;
    const drainRate = drain.messagesPerSecond;
    const footprint = sampler.footprint(firstSeen[0], done, peak);
    const relayDelta = subtract(delta(before, after), calibration);
    const cost = dbCost(driver, relayDelta, rows);

    const result: Result = {
      benchmark: 'relay-throughput',
      variant: compression === 'gzip' ? driver : `${driver}-${compression}`,
      title: `Relay throughput on ${driver === 'postgres' ? 'PostgreSQL' : 'MariaDB'}: ceiling, drain, footprint, database cost`,
      command: redactDatabaseUrl(commandLine()),
      startedAt,
      finishedAt: new Date().toISOString(),
      settings: {
        driver,
        rows,
        keys,
        partitions,
        payloadBytes: PAYLOAD_BYTES,
        acks: 'all (-1)',
        batchSize,
        grownBatch,
        limitRecords: withLimit ? limitRecords : 'none',
        relayFrom,
        relayNodeOptions: RELAY_NODE_OPTIONS,
        compression: compression === 'gzip' ? 'gzip (relay default)' : compression,
        ceilingPublisher: publisherSetting(ceilings[0]!.transactions),
        pollFrequencyMs: 'relay default (500)',
        servers: target
          ? `given cluster: ${target.brokers.join(',')}, ${driver} ${target.database.host}:${target.database.port}/${target.database.name}, table ${target.table}, topic ${target.topic}`
          : 'local servers',
      },
      machine,
      summary: throughputSummary({
        driver,
        compression,
        onCluster: target !== undefined,
        ceilings,
        drainRate,
        drainSeconds,
        startToEndSeconds: done - spawned,
        footprint,
        peakMB: peak,
        limits,
        dbOnly,
        cost,
        loadAverage,
      }),
      notes: throughputNotes(loadSeconds, cost),
      data: {
        ceilings: ceilings.map((c) => ({
          messages: c.messages,
          seconds: round(c.seconds, 3),
          messagesPerSecond: round(c.messagesPerSecond, 1),
        })),
        drain: {
          messages: rows,
          seconds: round(drainSeconds, 3),
          messagesPerSecond: round(drainRate, 1),
          transactionMarkers: drain.markers,
          startupSeconds: round(leading - spawned, 2),
        },
        footprint,
        databaseOnly: dbOnly,
        databaseCost: cost,
        databaseDelta: relayDelta,
        calibration,
        loadSeconds: round(loadSeconds, 2),
        brokerLimit: limits,
        loadAverage,
      },
      series: throughputSeries(ceilings, counter.points, firstSeen[0], sampler.samples, spawned),
    };
    writeResult(result, { dir: outDir, plot: !boolFlag(flags, 'no-plot') });
  } finally {
    await workload.remove();
    if (!target) await deleteTopic(ceilingTopic);
    if (limitTopic && !target) await deleteTopic(limitTopic);
    if (payloadFile) rmSync(payloadFile, { force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
