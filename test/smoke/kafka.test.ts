import { randomUUID } from 'node:crypto';
import { logLevel, type EachMessagePayload } from 'kafkajs';
import { createTopic, eventually, kafkaClient, uniqueName, withAdmin } from '../support/servers.js';

describe('the local Kafka broker', () => {
  it('runs in KRaft mode with one broker', async () => {
    const cluster = await withAdmin((admin) => admin.describeCluster());
    expect(cluster.brokers).toHaveLength(1);
    expect(cluster.controller).not.toBeNull();
  });

  it('round-trips messages through a topic created by the admin API', async () => {
    const topic = await createTopic('smoke', 3);
    const kafka = kafkaClient('smoke');
    const producer = kafka.producer({ idempotent: true });
    const consumer = kafka.consumer({ groupId: uniqueName('smoke') });
    const received: EachMessagePayload[] = [];
    await producer.connect();
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ eachMessage: async (payload) => void received.push(payload) });
      const id = randomUUID();
      await producer.send({
        topic,
        acks: -1,
        messages: [0, 1, 2].map((n) => ({
          key: `k${n}`,
          value: `${id}-${n}`,
          headers: { 'outbox-id': String(n) },
        })),
      });
      await eventually('three messages', async () => (received.length >= 3 ? true : undefined), 30_000);
      expect(received.map((m) => m.message.value?.toString()).sort()).toEqual(
        [0, 1, 2].map((n) => `${id}-${n}`),
      );
      expect(received.every((m) => m.message.headers?.['outbox-id'] !== undefined)).toBe(true);
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
    }
  });

  it('does not create topics automatically', async () => {
    const producer = kafkaClient('smoke-missing', logLevel.NOTHING).producer({ retry: { retries: 1 } });
    await producer.connect();
    try {
      await expect(
        producer.send({ topic: uniqueName('t.missing', '.'), messages: [{ value: 'x' }] }),
      ).rejects.toThrow(/does not host this topic-partition|UNKNOWN_TOPIC_OR_PARTITION|not host/i);
    } finally {
      await producer.disconnect();
    }
  });
});
