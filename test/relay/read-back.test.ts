// The read-back on the real local Kafka: exactly the ids of this table's messages since a time, whatever
// else the topic holds; missing topics skipped; an empty range read without a consumer; a transaction's
// markers at a partition's end; the relay's own client over SASL_SSL; the error that sends the caller back
// to sending.
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import kafkajs, { type Kafka, type Message, type Producer } from 'kafkajs';
import { loadConfig } from '../../relay/config/config.js';
import { createKafka } from '../../relay/kafka/client.js';
import { createLogger } from '../../relay/logger.js';
import { createReadBack, ReadBackError, type ReadBackRequest } from '../../relay/kafka/read-back.js';
import { READ_BACK_GROUP_PREFIX } from '../../relay/kafka/read-back-run.js';
import { holdKafkaForFile } from '../support/kafka-lock.js';
import { createTopic, kafkaClient, uniqueName, withAdmin } from '../support/servers.js';
import { secureExport } from '../support/tls.js';

const { logLevel, Partitioners } = kafkajs;

holdKafkaForFile();

type LogLine = Record<string, unknown> & { msg: string; phases?: Record<string, number>; groupId?: string };

function capturingLogger() {
  const lines: LogLine[] = [];
  const logger = createLogger({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

/** A read-back on `kafka` whose log lines are kept; `summary()` is its 'read back' line. */
function readBackOn(kafka: Kafka, timeoutMs?: number) {
  const { logger, lines } = capturingLogger();
  return {
    readBack: createReadBack({ kafka, logger, timeoutMs }),
    lines,
    summary: () => lines.find((l) => l.msg.startsWith('read back')),
  };
}

/** What the relay's producer is: idempotent, one request in flight, the default partitioner. */
const IDEMPOTENT = {
  idempotent: true,
  maxInFlightRequests: 1,
  createPartitioner: Partitioners.DefaultPartitioner,
} as const;

/** Runs `fn` with a transactional producer of its own on `kafka`, disconnected once `fn` settles. */
async function withTransactions(kafka: Kafka, prefix: string, fn: (tx: Producer) => Promise<void>) {
  const tx = kafka.producer({ transactionalId: uniqueName(prefix), ...IDEMPOTENT });
  await tx.connect();
  try {
    await fn(tx);
  } finally {
    await tx.disconnect();
  }
}

/** Sends `messages` to `topic` in one transaction ending in `end`. */
async function sendInTransaction(
  tx: Producer,
  topic: string,
  messages: Message[],
  end: 'commit' | 'abort' = 'commit',
) {
  const transaction = await tx.transaction();
  await transaction.send({ topic, messages });
  await transaction[end]();
}

const source = randomUUID();
const other = randomUUID();
// An hour ago: every message below carries an explicit timestamp on either side of it.
const sinceMs = Date.now() - 3_600_000;
const PARTITIONS = 4;

function message(partition: number, timestamp: number, headers: Record<string, string>): Message {
  return { partition, timestamp: String(timestamp), value: 'x', headers };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** A closed port on loopback: nothing listens there. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('reading back what a topic received', () => {
  let kafka: Kafka;
  let producer: Producer;
  let topic: string;
  let request: ReadBackRequest;

  beforeAll(async () => {
    kafka = kafkaClient(uniqueName('read-back'), logLevel.NOTHING);
    producer = kafka.producer(IDEMPOTENT);
    await producer.connect();
    topic = await createTopic('read-back', PARTITIONS);
    request = { topics: [topic], sinceMs, source };
    const at = (i: number) => sinceMs + 1000 + i;
    const on = (i: number) => i % PARTITIONS;
    await producer.send({
      topic,
      messages: [
        // Before sinceMs, with this source: not looked at.
        ...range(900, 907).map((i) =>
          message(on(i), sinceMs - 60_000, { 'outbox-source': source, 'outbox-id': String(i) }),
        ),
        ...range(1, 40).map((i) =>
          message(on(i), at(i), { 'outbox-source': source, 'outbox-id': String(i) }),
        ),
        // The same ids from another table: not this table's rows.
        ...range(1, 40).map((i) => message(on(i), at(i), { 'outbox-source': other, 'outbox-id': String(i) })),
        ...range(41, 45).map((i) =>
          message(on(i), at(i), { 'outbox-source': other, 'outbox-id': String(i) }),
        ),
        // No source at all (a relay without one, or another producer).
        ...range(46, 50).map((i) => message(on(i), at(i), { 'outbox-id': String(i) })),
        message(0, at(51), { 'outbox-source': source, 'outbox-id': 'not-a-number' }),
        message(1, at(52), {}),
      ],
    });
  });

  afterAll(async () => {
    await producer?.disconnect();
  });

  it('finds exactly the ids of this source since sinceMs, and deletes its group', async () => {
    const { readBack, summary } = readBackOn(kafka);
    const result = await readBack(request);
    expect(result.ids.map(Number).sort((a, b) => a - b)).toEqual(range(1, 40));
    // Every message at or after sinceMs is read, whoever sent it: 40 + 40 + 5 + 5 + 2.
    expect(result.messages).toBe(92);
    expect(result.partitions).toBe(PARTITIONS);
    const line = summary()!;
    expect(line).toMatchObject({ level: 30, topics: [topic], partitions: 4, messages: 92, ids: 40 });
    expect(line.groupId).toMatch(new RegExp(`^${READ_BACK_GROUP_PREFIX}`));
    const groups = await withAdmin((admin) => admin.listGroups());
    expect(groups.groups.map((g) => g.groupId)).not.toContain(line.groupId);
  });

  it('skips a topic that does not exist', async () => {
    const missing = `${topic}.missing`;
    const { readBack, summary } = readBackOn(kafka);
    const result = await readBack({ ...request, topics: [missing, topic] });
    expect(result.ids).toHaveLength(40);
    expect(summary()).toMatchObject({ missing: [missing] });
  });

  it('reads nothing, without a consumer, when no partition has a message since sinceMs', async () => {
    const empty = await createTopic('read-back-empty', 2);
    const { readBack, summary } = readBackOn(kafka);
    const result = await readBack({ topics: [topic, empty], sinceMs: Date.now() + 3_600_000, source });
    expect(result).toMatchObject({ ids: [], messages: 0, partitions: 0 });
    const line = summary()!;
    expect(line.phases).toEqual({ offsetsMs: expect.any(Number), closeMs: expect.any(Number) });
    expect(line.groupId).toBeUndefined();
  });

  it('reads a partition to its end when the end is a transaction marker, and leaves aborted messages out', async () => {
    const txTopic = await createTopic('read-back-tx', 1);
    const ofId = (id: string) => [message(0, Date.now(), { 'outbox-source': source, 'outbox-id': id })];
    await withTransactions(kafka, 'read-back-tx', async (tx) => {
      await sendInTransaction(tx, txTopic, ofId('8'), 'abort');
      await sendInTransaction(tx, txTopic, ofId('7'), 'commit');
    });
    // Offsets 0 and 2 are the messages, 1 and 3 the markers: the last offset is never a message.
    const result = await readBackOn(kafka, 20_000).readBack({ topics: [txTopic], sinceMs, source });
    expect(result.ids).toEqual(['7']);
    expect(result.messages).toBe(1);
    expect(result.ms).toBeLessThan(20_000);
  });

  it('reads a partition whose range is a transaction marker alone (a batch that never reaches eachBatch)', async () => {
    const txTopic = await createTopic('read-back-marker', 1);
    // The message before sinceMs, its commit marker (written at the broker's time) after: the range is
    // [1, 2), the marker only.
    await withTransactions(kafka, 'read-back-marker', (tx) =>
      sendInTransaction(tx, txTopic, [
        message(0, sinceMs - 60_000, { 'outbox-source': source, 'outbox-id': '9' }),
      ]),
    );
    const result = await readBackOn(kafka, 20_000).readBack({ topics: [txTopic], sinceMs, source });
    expect(result).toMatchObject({ ids: [], messages: 0, partitions: 1 });
  });

  it('rejects with a ReadBackError naming the topics when timeoutMs is too short', async () => {
    const { readBack } = readBackOn(kafka, 1);
    const error = await readBack(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReadBackError);
    expect(error).toMatchObject({ timedOut: true, retriable: true, unfinished: [topic] });
    expect((error as Error).message).toBe(
      `read-back did not finish within 1 ms; topics not finished: ${topic}`,
    );
  });
});

describe("reading back through the relay's own Kafka client", () => {
  it('reads back over SASL_SSL with SCRAM-SHA-512, the client built as the relay builds it', async () => {
    const topic = await createTopic('read-back-sasl', 3);
    const producer = kafkaClient(uniqueName('read-back-sasl'), logLevel.NOTHING).producer({
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    try {
      await producer.send({
        topic,
        messages: range(1, 9).map((i) =>
          message(i % 3, Date.now(), { 'outbox-source': source, 'outbox-id': String(i) }),
        ),
      });
    } finally {
      await producer.disconnect();
    }
    const config = loadConfig({
      DB_DRIVER: 'postgres',
      DB_HOST: '127.0.0.1',
      DB_PORT: '5432',
      DB_USER: 'unused',
      DB_PASS: 'unused',
      DB_NAME: 'unused',
      KAFKA_HOST: secureExport('KAFKA_SASL_SSL_BROKERS'),
      TLS_ENABLE: 'true',
      KAFKA_TLS_CA_FILE: secureExport('DEVENV_TLS_CA_FILE'),
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: secureExport('KAFKA_SCRAM_USERNAME'),
      KAFKA_SASL_PASSWORD: secureExport('KAFKA_SCRAM_PASSWORD'),
    });
    const { logger, lines } = capturingLogger();
    const kafka = createKafka(config.kafka, logger);
    const result = await createReadBack({ kafka, logger })({ topics: [topic], sinceMs, source });
    expect(result.ids.map(Number).sort((a, b) => a - b)).toEqual(range(1, 9));
    expect(result.partitions).toBe(3);
    expect(JSON.stringify(lines)).not.toContain(secureExport('KAFKA_SCRAM_PASSWORD'));
  });
});

describe('reading back from a broker that cannot be reached', () => {
  const topics = ['orders', 'audit'];
  let port: number;

  beforeAll(async () => {
    port = await closedPort();
  });

  const unreachable = (retries: number): Kafka =>
    new kafkajs.Kafka({
      clientId: uniqueName('read-back-unreachable'),
      brokers: [`127.0.0.1:${port}`],
      connectionTimeout: 200,
      requestTimeout: 500,
      retry: { retries, initialRetryTime: 100, maxRetryTime: 200 },
      logLevel: logLevel.NOTHING,
    });

  it('times out naming every topic while kafkajs is still retrying', async () => {
    const { readBack } = readBackOn(unreachable(5), 300);
    const started = Date.now();
    const error = await readBack({ topics, sinceMs, source }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error).toBeInstanceOf(ReadBackError);
    expect(error).toMatchObject({ timedOut: true, unfinished: topics });
    // kafkajs's retries end on their own (5 of at most 200 ms); the run closes behind them.
    await new Promise((r) => setTimeout(r, 1500));
  });

  it('fails naming every topic once kafkajs gives up', async () => {
    const { readBack } = readBackOn(unreachable(0), 10_000);
    const error = await readBack({ topics, sinceMs, source }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReadBackError);
    expect(error).toMatchObject({ timedOut: false, retriable: true, unfinished: topics });
    expect((error as Error).message).toMatch(
      /^read-back failed: KafkaJS\w+: .*; topics not finished: orders, audit$/,
    );
  });
});
