// The Kafka side of the relay benchmarks: a counter of what reached a topic (the sum of its partitions' high
// watermarks, polled), and the ceiling: the same messages sent by the relay's own publisher (its kafkajs
// client and producer settings: idempotent, one request in flight, acks=all, its compression) in the
// relay's batches, one batch at a time as the relay sends them, with no database in the way. Where the
// relay sends in Kafka transactions (shared mode with KAFKA_TRANSACTIONS), so does the ceiling: a
// transaction per batch, under a transactional id of its own.
import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { loadConfig, type RelayConfig } from '../../relay/config/config.js';
import { createKafka } from '../../relay/kafka/client.js';
import { partitionerNamed } from '../../relay/kafka/partitioners.js';
import { createPublisher, type OutgoingMessage, type Publisher } from '../../relay/kafka/publisher.js';
import { createLogger, type Logger } from '../../relay/logger.js';
import { kafkaClient } from '../../test/support/servers.js';
import { keyOf, payload } from './outbox.js';

/** [seconds on performance.now()'s clock, messages so far] */
export type CountPoint = [number, number];

export interface TopicCounter {
  points: CountPoint[];
  /**
   * Resolves when the count reaches `target`, with the time of the sample that first saw it. The count is of
   * offsets: with Kafka transactions it includes their commit markers (drain-end.ts).
   */
  reached(target: number, timeoutMs: number): Promise<number>;
  /** Resolves with the count of the next sample. */
  next(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Counts what reaches `topic` from now on (its high watermarks less those at the start: a user's topic
 * given to the benchmark may hold the ceiling's messages already), through `kafka` (default: the local
 * servers' broker).
 */
export async function countTopic(topic: string, intervalMs = 50, kafka?: Kafka): Promise<TopicCounter> {
  const admin: Admin = (kafka ?? kafkaClient('bench-counter')).admin();
  await admin.connect();
  const sum = (offsets: Array<{ high: string }>) => offsets.reduce((n, p) => n + Number(p.high), 0);
  const baseline = sum(await admin.fetchTopicOffsets(topic));
  const points: CountPoint[] = [];
  let stopped = false;
  // Each waiter is told every sample and says whether it is done.
  let waiters: Array<(count: number, at: number) => boolean> = [];
  const loop = (async () => {
    while (!stopped) {
      const offsets = await admin.fetchTopicOffsets(topic);
      const at = performance.now() / 1000;
      const count = sum(offsets) - baseline;
      const last = points[points.length - 1];
      // Keep the first point of each plateau only, plus every change: the series stays small when idle.
      if (!last || last[1] !== count || points.length < 2) points.push([at, count]);
      waiters = waiters.filter((w) => !w(count, at));
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    points,
    reached(target, timeoutMs) {
      return new Promise<number>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${topic} did not reach ${target} messages in ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push((count, at) => {
          if (count < target) return false;
          clearTimeout(timer);
          resolve(at);
          return true;
        });
      });
    },
    next() {
      return new Promise<number>((resolve) => waiters.push((count) => (resolve(count), true)));
    },
    async stop() {
      stopped = true;
      await loop.catch(() => undefined);
      await admin.disconnect();
    },
  };
}

/** Whether the relay configured by `relayEnv` sends each batch in a Kafka transaction. */
export function relayTransactions(relayEnv: Record<string, string>): boolean {
  return sendsInTransactions(loadConfig({ ...relayEnv, LOG_LEVEL: 'error' }));
}

const sendsInTransactions = (config: RelayConfig): boolean =>
  config.mode === 'shared' && config.kafka.transactions;

/** The settings' words for the publisher of the ceiling or the baseline. */
export const publisherSetting = (transactions: boolean): string =>
  transactions
    ? "transactional, a transaction per send (the relay's: shared mode with KAFKA_TRANSACTIONS)"
    : "idempotent, no transactions (the relay's settings)";

/**
 * The relay's publisher as the relay builds it from `config` (relay/commands/relays.ts): transactional in
 * shared mode with KAFKA_TRANSACTIONS, under an id of the benchmark's own and the relay's transaction
 * timeout. prepare() it before timing.
 */
function relayPublisher(config: RelayConfig, logger: Logger): Publisher {
  return createPublisher({
    kafka: createKafka(config.kafka, logger),
    config: config.kafka,
    logger,
    ...(sendsInTransactions(config)
      ? {
          transactionalId: `outbox-relay-bench-${randomUUID()}`,
          transactionTimeoutMs: Math.max(10_000, 2 * config.shareLeaseMs),
        }
      : {}),
  });
}

export interface CeilingRun {
  /** Sent in a transaction per batch, as the relay in shared mode with KAFKA_TRANSACTIONS. */
  transactions: boolean;
  messages: number;
  seconds: number;
  messagesPerSecond: number;
  /** [seconds since the first send, messages acknowledged] after each batch */
  points: CountPoint[];
}

/**
 * Sends `count` messages, pre-built in memory as the relay would build them from the benchmark's rows
 * (key, 256-byte value, outbox-id header, partition by the relay's partitioner), through the relay's
 * publisher configured from `relayEnv`, `batchSize` at a time.
 */
export async function runCeiling(
  relayEnv: Record<string, string>,
  topic: string,
  partitions: number,
  count: number,
  keys: number,
  batchSize: number,
): Promise<CeilingRun> {
  const config = loadConfig({ ...relayEnv, LOG_LEVEL: 'error' });
  const logger = createLogger({ level: 'error' });
  const partitioner = partitionerNamed(config.kafka.partitioner);
  const batches: OutgoingMessage[][] = [];
  for (let start = 0; start < count; start += batchSize) {
    const batch: OutgoingMessage[] = [];
    for (let seq = start; seq < Math.min(count, start + batchSize); seq++) {
      const key = keyOf(seq, keys);
      batch.push({
        rowId: String(seq + 1),
        topic,
        partition: partitioner(key, partitions),
        key: Buffer.from(key),
        value: Buffer.from(payload(seq)),
        headers: { 'outbox-id': String(seq + 1) },
      });
    }
    batches.push(batch);
  }
  const publisher = relayPublisher(config, logger);
  try {
    // Connect and get a producer id outside the timed part (one warm-up message), as a running relay has.
    await publisher.topics([topic]);
    await publisher.prepare();
    await publisher.send([{ ...batches[0]![0]!, rowId: '0', headers: { 'outbox-id': '0' } }]);
    const points: CountPoint[] = [];
    const started = performance.now();
    let sent = 0;
    for (const batch of batches) {
      await publisher.send(batch);
      sent += batch.length;
      points.push([(performance.now() - started) / 1000, sent]);
    }
    const seconds = (performance.now() - started) / 1000;
    const transactions = sendsInTransactions(config);
    return { transactions, messages: count, seconds, messagesPerSecond: count / seconds, points };
  } finally {
    await publisher.close();
  }
}

/**
 * The latency floor without a database: messages become available at `rate` per second (each at its due
 * time) and the relay's publisher sends whatever is waiting, up to `batchSize`, one send at a time, as the
 * relay does with what a claim returns. `availableAt[seq]` is set when message `seq` becomes available.
 */
export async function runPublisherAtRate(
  relayEnv: Record<string, string>,
  topic: string,
  partitions: number,
  rate: number,
  seconds: number,
  keys: number,
  batchSize: number,
  availableAt: Float64Array,
): Promise<void> {
  const config = loadConfig({ ...relayEnv, LOG_LEVEL: 'error' });
  const logger = createLogger({ level: 'error' });
  const partitioner = partitionerNamed(config.kafka.partitioner);
  const publisher = relayPublisher(config, logger);
  const message = (seq: number): OutgoingMessage => {
    const key = keyOf(seq, keys);
    return {
      rowId: String(seq + 1),
      topic,
      partition: partitioner(key, partitions),
      key: Buffer.from(key),
      value: Buffer.from(payload(seq)),
      headers: { 'outbox-id': String(seq + 1) },
    };
  };
  try {
    await publisher.topics([topic]);
    await publisher.prepare();
    const total = rate * seconds;
    const waiting: OutgoingMessage[] = [];
    let made = 0;
    let wake: (() => void) | undefined;
    const t0 = performance.now();
    const ticker = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate) + 1);
      while (made < due) {
        availableAt[made] = performance.now();
        waiting.push(message(made++));
      }
      wake?.();
      if (made >= total) clearInterval(ticker);
    }, 1);
    let sent = 0;
    while (sent < total) {
      if (waiting.length === 0) await new Promise<void>((r) => (wake = r));
      wake = undefined;
      const batch = waiting.splice(0, batchSize);
      if (batch.length === 0) continue;
      await publisher.send(batch);
      sent += batch.length;
    }
  } finally {
    await publisher.close();
  }
}
