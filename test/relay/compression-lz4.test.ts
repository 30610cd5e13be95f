// KAFKA_COMPRESSION=lz4 against the real PostgreSQL and Kafka: the relay's lz4 batches (lz4-napi's frames)
// are stored compressed by the broker and read by Kafka's own Java consumer with every row, its key, its
// partition, its outbox-id header and per-key order, as with gzip.
import { spawn } from 'node:child_process';
import type { RunningRelay } from '../../relay/commands/run.js';
import { murmur2Partitioner } from '../../relay/kafka/partitioners.js';
import { kafkaToolsClasspath, kafkaToolsInstall } from '../../tools/devenv/kafka-tools.js';
import { settings } from '../../tools/devenv/settings.js';
import { holdKafkaForFile } from '../support/kafka-lock.js';
import {
  createTestDb,
  insertRows,
  outboxState,
  relayEnv,
  startInProcess,
  waitReady,
  type TestDb,
} from '../support/relay-harness.js';
import { createTopic, eventually, kafkaBrokers, type TestDatabase } from '../support/servers.js';

holdKafkaForFile();

const PARTITIONS = 3;
const ROWS = 120;
const PAYLOAD_BYTES = 2000;

/** Runs one of Kafka's Java tools to its end; its standard output. */
async function kafkaTool(mainClass: string, args: string[]): Promise<string> {
  const s = settings();
  await kafkaToolsInstall(s);
  const child = spawn('java', ['-Xmx256m', '-cp', kafkaToolsClasspath(s), mainClass, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`${mainClass} exited ${code}:\n${err.slice(-2000)}`);
  return out;
}

describe('the relay with KAFKA_COMPRESSION=lz4', () => {
  let database: TestDatabase<object>;
  let db: TestDb;
  let topic: string;
  let relay: RunningRelay;

  beforeAll(async () => {
    ({ database, db } = await createTestDb('postgres', 'relay_lz4'));
    topic = await createTopic('relay-lz4', PARTITIONS);
    relay = await startInProcess(relayEnv(db, { BATCH_SIZE: '40', KAFKA_COMPRESSION: 'lz4' }));
    await waitReady(relay.httpPort);
  });

  afterAll(async () => {
    await relay?.stop();
    await database?.drop();
  });

  it("publishes batches the broker stores lz4-compressed and Kafka's Java consumer reads whole and in order", async () => {
    const keys = ['customer-1', 'customer-2', 'customer-3', 'customer-4'];
    const ids = await insertRows(
      db,
      Array.from({ length: ROWS }, (_, i) => ({
        topic,
        key: keys[i % keys.length]!,
        payload: JSON.stringify({ i, pad: 'x'.repeat(PAYLOAD_BYTES) }),
        headers: '{}',
      })),
    );
    await eventually('every row marked published', async () =>
      (await outboxState(db)).every((r) => r.published) ? true : undefined,
    );

    // Kafka's console consumer: key, partition and headers beside each value, one record a line.
    const out = await kafkaTool('org.apache.kafka.tools.consumer.ConsoleConsumer', [
      '--bootstrap-server',
      kafkaBrokers().join(','),
      '--topic',
      topic,
      '--from-beginning',
      '--max-messages',
      String(ROWS),
      '--timeout-ms',
      '30000',
      '--property',
      'print.key=true',
      '--property',
      'print.partition=true',
      '--property',
      'print.headers=true',
      '--property',
      'key.separator=|',
      '--property',
      'headers.separator=;',
    ]);
    const records = out
      .split('\n')
      .filter((l) => l.startsWith('Partition:'))
      .map((line) => {
        const [partition, headers, key, value] = line.split('|');
        return {
          partition: Number(partition!.replace('Partition:', '')),
          id: /outbox-id:(\d+)/.exec(headers!)?.[1],
          key: key!,
          i: (JSON.parse(value!) as { i: number }).i,
        };
      });
    expect(records.map((r) => r.id).sort()).toEqual([...ids].sort());
    for (const key of keys) {
      const ofKey = records.filter((r) => r.key === key);
      expect(ofKey.map((r) => r.i)).toEqual([...ofKey.map((r) => r.i)].sort((a, b) => a - b));
      expect(new Set(ofKey.map((r) => r.partition))).toEqual(new Set([murmur2Partitioner(key, PARTITIONS)]));
    }

    // The broker's own account of the topic's size: compressed, far below the values' bytes.
    const dirs = await kafkaTool('org.apache.kafka.tools.LogDirsCommand', [
      '--bootstrap-server',
      kafkaBrokers().join(','),
      '--describe',
      '--topic-list',
      topic,
    ]);
    const json = dirs.split('\n').find((l) => l.startsWith('{'))!;
    const report = JSON.parse(json) as {
      brokers: Array<{ logDirs: Array<{ partitions: Array<{ partition: string; size: number }> }> }>;
    };
    const size = report.brokers
      .flatMap((b) => b.logDirs.flatMap((d) => d.partitions))
      .filter((p) => p.partition.startsWith(`${topic}-`))
      .reduce((sum, p) => sum + p.size, 0);
    expect(size).toBeGreaterThan(0);
    expect(size).toBeLessThan((ROWS * PAYLOAD_BYTES) / 5);
  }, 120_000);
});
