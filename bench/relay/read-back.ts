// Read-back cost: how long a relay taking over rows takes to read back what a topic received, for 0,
// 1,000, 10,000 and 100,000 messages in a 12-partition topic (relay/kafka/read-back.ts), each size on a
// topic of its own filled beforehand as the relay writes (gzip, outbox-id and outbox-source headers, 256-byte
// payloads), each read back --repeats times. Then what the consumer settings do to a throwaway group's
// first fetch and to its stop: kafkajs's defaults against the read-back's.
//
//   npx tsx bench/relay/read-back.ts [--sizes=0,1000,10000,100000] [--partitions=12] [--repeats=5]
//     [--compression=gzip|none] [--out=bench/results/read-back]
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import kafkajs, { type ConsumerConfig, type Kafka } from 'kafkajs';
import { createLogger } from '../../relay/logger.js';
import { createReadBack } from '../../relay/kafka/read-back.js';
import { checkKnown, choiceFlag, intFlag, parseFlags, stringFlag } from '../lib/flags.js';
import { machineInfo } from '../lib/machine.js';
import { deleteTopic, payload } from '../lib/outbox.js';
import { repoRoot } from '../lib/paths.js';
import { commandLine, writeResult, type SummaryRow } from '../lib/results.js';
import { distribution } from '../lib/stats.js';
import { createTopic, kafkaClient, uniqueName, withAdmin } from '../../test/support/servers.js';

const { CompressionTypes, logLevel, Partitioners } = kafkajs;

const flags = parseFlags(process.argv.slice(2));
checkKnown(flags, ['sizes', 'partitions', 'repeats', 'compression', 'out']);
const sizes = stringFlag(flags, 'sizes', '0,1000,10000,100000')
  .split(',')
  .map((s) => Number(s.replace(/_/g, '')));
const partitions = intFlag(flags, 'partitions', 12);
const repeats = intFlag(flags, 'repeats', 5);
const compression = choiceFlag(flags, 'compression', ['gzip', 'none'] as const, 'gzip');
const out = path.resolve(repoRoot, stringFlag(flags, 'out', 'bench/results/read-back'));

const source = randomUUID();
const sinceMs = Date.now() - 60_000;

interface Phases {
  offsetsMs?: number;
  joinMs?: number;
  fetchMs?: number;
  closeMs?: number;
}

/** A topic holding `count` messages of this source, spread over the partitions as the relay's keys would. */
async function filledTopic(kafka: Kafka, count: number): Promise<string> {
  const topic = await createTopic(`bench-read-back-${count}`, partitions);
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const chunk = 1000;
  for (let from = 0; from < count; from += chunk) {
    const messages = Array.from({ length: Math.min(chunk, count - from) }, (_, i) => {
      const seq = from + i + 1;
      return {
        partition: seq % partitions,
        value: payload(seq),
        headers: { 'outbox-id': String(seq), 'outbox-source': source },
      };
    });
    await producer.send({
      topic,
      acks: -1,
      compression: compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
      messages,
    });
  }
  await producer.disconnect();
  return topic;
}

async function readBackRuns(kafka: Kafka, topic: string, count: number) {
  const runs: Array<{ ms: number; phases: Phases }> = [];
  for (let r = 0; r < repeats; r++) {
    const lines: Array<{ phases?: Phases }> = [];
    const logger = createLogger({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const result = await createReadBack({ kafka, logger, timeoutMs: 120_000 })({
      topics: [topic],
      sinceMs,
      source,
    });
    if (result.ids.length !== count || result.messages !== count) {
      throw new Error(`read back ${result.ids.length} ids of ${result.messages} messages, not ${count}`);
    }
    runs.push({ ms: result.ms, phases: lines.at(-1)?.phases ?? {} });
  }
  return runs;
}

const DEFAULTS: Partial<ConsumerConfig> = {};
const TUNED: Partial<ConsumerConfig> = {
  sessionTimeout: 6000,
  rebalanceTimeout: 6000,
  heartbeatInterval: 2000,
  maxWaitTimeInMs: 100,
};

/**
 * A consumer of a new group reading one partition's first batch: the time to GROUP_JOIN, to the first
 * batch, and the time its disconnect takes once the partition is paused (what stopping a read-back costs).
 */
async function firstFetch(kafka: Kafka, topic: string, settings: Partial<ConsumerConfig>) {
  const groupId = uniqueName('bench-read-back-join');
  const consumer = kafka.consumer({ groupId, ...settings });
  const started = Date.now();
  let joinMs = NaN;
  let batchMs = NaN;
  const first = new Promise<void>((resolve) => {
    consumer.on(consumer.events.GROUP_JOIN, () => {
      joinMs = Date.now() - started;
    });
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload: batch }) => {
      batchMs = Date.now() - started;
      consumer.pause([{ topic: batch.topic }]);
      resolve();
    });
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({ autoCommit: false, eachBatch: async () => undefined });
  await first;
  const stopping = Date.now();
  await consumer.disconnect();
  const stopMs = Date.now() - stopping;
  await withAdmin((admin) => admin.deleteGroups([groupId])).catch(() => undefined);
  return { joinMs, batchMs, stopMs };
}

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const kafka = kafkaClient(uniqueName('bench-read-back'), logLevel.NOTHING);
  const summary: SummaryRow[] = [];
  const data: Record<string, unknown> = {};
  const topics: string[] = [];
  try {
    for (const count of sizes) {
      const topic = await filledTopic(kafka, count);
      topics.push(topic);
      const runs = await readBackRuns(kafka, topic, count);
      const ms = distribution(runs.map((r) => r.ms));
      const phase = (name: keyof Phases) => {
        const values = runs.map((r) => r.phases[name]).filter((v): v is number => v !== undefined);
        return values.length > 0 ? distribution(values).p50 : '-';
      };
      const label = count.toLocaleString('en-US');
      summary.push({ measure: `read-back of ${label} messages, median`, value: ms.p50, unit: 'ms' });
      summary.push({
        measure: `read-back of ${label} messages, min-max`,
        value: `${ms.min}-${ms.max}`,
        unit: 'ms',
      });
      if (count > 0) {
        summary.push({
          measure: `read-back of ${label} messages, rate at the median`,
          value: Math.round(count / (ms.p50 / 1000)),
          unit: 'messages/s',
        });
      }
      summary.push({
        measure: `read-back of ${label} messages, phases (offsets / join / fetch / close), medians`,
        value: ['offsetsMs', 'joinMs', 'fetchMs', 'closeMs'].map((p) => phase(p as keyof Phases)).join(' / '),
        unit: 'ms',
      });
      data[`readBack${count}`] = runs;
      console.log(`${label} messages: median ${ms.p50} ms (${ms.min}-${ms.max})`);
    }
    const probeTopic = topics[sizes.findIndex((n) => n > 0)];
    if (probeTopic) {
      for (const [name, settings] of [
        ['kafkajs defaults', DEFAULTS],
        ['the read-back settings', TUNED],
      ] as const) {
        const probes: Array<Awaited<ReturnType<typeof firstFetch>>> = [];
        for (let r = 0; r < repeats; r++) probes.push(await firstFetch(kafka, probeTopic, settings));
        const median = (k: 'joinMs' | 'batchMs' | 'stopMs') => distribution(probes.map((p) => p[k])).p50;
        summary.push({
          measure: `new group with ${name}: join / first batch / stop once paused, medians`,
          value: `${median('joinMs')} / ${median('batchMs')} / ${median('stopMs')}`,
          unit: 'ms',
        });
        data[`firstFetch ${name}`] = probes;
      }
    }
  } finally {
    for (const topic of topics) await deleteTopic(topic);
  }
  const initialDelay = await brokerInitialDelay();
  writeResult(
    {
      benchmark: 'read-back',
      variant: `${partitions}-partitions-${compression}`,
      title: `Read-back of a ${partitions}-partition topic (${compression})`,
      command: commandLine(),
      startedAt,
      finishedAt: new Date().toISOString(),
      settings: { sizes: sizes.join(','), partitions, repeats, compression, payloadBytes: 256 },
      machine: machineInfo({ 'group.initial.rebalance.delay.ms': initialDelay }),
      summary,
      notes: [
        'Each read-back: admin offsets (listTopics, fetchTopicOffsets, fetchTopicOffsetsByTimestamp), then, when a partition has messages, a consumer of a new group joining, fetching every partition to its end, leaving, and the group deleted.',
        `The broker's group.initial.rebalance.delay.ms is ${initialDelay}; at Kafka's default (3000) a new group's first join waits 3 s more, whatever the client sets: every read-back with messages to read costs that much more.`,
        'Rates are messages over the whole read-back at its median time (join and close included).',
      ],
      data,
      series: {},
    },
    { dir: out, plot: false },
  );
}

/** The broker's group.initial.rebalance.delay.ms, as it reports it. */
async function brokerInitialDelay(): Promise<string> {
  return withAdmin(async (admin) => {
    const { brokers } = await admin.describeCluster();
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [
        {
          type: kafkajs.ConfigResourceTypes.BROKER,
          name: String(brokers[0]!.nodeId),
          configNames: ['group.initial.rebalance.delay.ms'],
        },
      ],
    });
    return described.resources[0]?.configEntries[0]?.configValue ?? 'unknown';
  });
}

await main();
