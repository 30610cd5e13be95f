// The checker's view of Kafka, through a client of its own: the soak's topics are created up front
// (automatic creation is off), and read back at the end from the first offset to the high watermark.
import { Kafka, logLevel } from 'kafkajs';

export interface Delivered {
  topic: string;
  partition: number;
  offset: string;
  /** The outbox-id header. */
  outboxId: string | undefined;
  key: string | null;
  value: Buffer | null;
}

function client(brokers: string[], clientId: string): Kafka {
  return new Kafka({ clientId, brokers, logLevel: logLevel.NOTHING, retry: { retries: 10 } });
}

/**
 * Creates the topics and waits for their leaders, trying again for up to `timeoutMs`: just after a broker
 * restart its metadata may not know the new partitions yet ("This server does not host this
 * topic-partition"). A topic created by an earlier attempt is left as it is.
 */
export async function createTopics(
  brokers: string[],
  topics: string[],
  partitions: number,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const admin = client(brokers, 'soak-admin').admin();
    try {
      await admin.connect();
      await admin.createTopics({
        topics: topics.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
        waitForLeaders: true,
      });
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export async function deleteTopics(brokers: string[], topics: string[]): Promise<void> {
  const admin = client(brokers, 'soak-admin').admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
}

/** Every message of the topics, from the beginning up to the high watermarks read when called. */
export async function readAll(brokers: string[], topics: string[], timeoutMs: number): Promise<Delivered[]> {
  const kafka = client(brokers, 'soak-checker');
  const admin = kafka.admin();
  await admin.connect();
  const remaining = new Map<string, bigint>();
  try {
    for (const topic of topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) {
        if (BigInt(p.high) > BigInt(p.low)) remaining.set(`${topic}/${p.partition}`, BigInt(p.high));
      }
    }
  } finally {
    await admin.disconnect();
  }
  const delivered: Delivered[] = [];
  if (remaining.size === 0) return delivered;
  const consumer = kafka.consumer({
    groupId: `soak-checker-${Date.now()}-${process.pid}`,
    maxWaitTimeInMs: 200,
  });
  await consumer.connect();
  try {
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    await consumer.subscribe({ topics, fromBeginning: true });
    // After every batch, including those of transaction markers only (which never reach eachBatch): a
    // transactional producer's partitions end in a marker.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      const slot = `${payload.topic}/${payload.partition}`;
      const high = remaining.get(slot);
      if (high !== undefined && BigInt(payload.lastOffset) + 1n >= high) {
        remaining.delete(slot);
        if (remaining.size === 0) finish();
      }
    });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const header = m.headers?.['outbox-id'];
          delivered.push({
            topic: batch.topic,
            partition: batch.partition,
            offset: m.offset,
            outboxId: header === undefined ? undefined : String(header),
            key: m.key === null ? null : m.key.toString(),
            value: m.value,
          });
        }
      },
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      finished,
      new Promise((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `reading the topics took over ${timeoutMs} ms; unread: ${[...remaining.keys()].join(', ')}`,
              ),
            ),
          timeoutMs,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    return delivered;
  } finally {
    await consumer.disconnect();
  }
}
