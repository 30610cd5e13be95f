// One database's relay with a topic it cannot publish to yet (missing, or not writable): the topic's rows
// are held, uncounted, the other topics flow, the topic is listed and counted, and once it can be written
// its rows go out in key order.
import { createLogger } from '../logger.js';
import { createMetrics } from '../metrics.js';
import { murmur2Partitioner } from '../kafka/partitioners.js';
import type { OutgoingMessage, Publisher } from '../kafka/publisher.js';
import { createFakeStore } from '../testing/fake-store.js';
import { createDatabaseRelay } from './database-relay.js';
import { FIRST_RECHECK_MS } from './held-topics.js';
import { createBatchPublisher } from './publish-batch.js';

const logger = createLogger({ level: 'silent' });
const fastSleep = () => new Promise<void>((resolve) => setImmediate(resolve));

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const authorizationFailed = () =>
  Object.assign(new Error('Not authorized to access topics: [Topic authorization failed]'), {
    name: 'KafkaJSProtocolError',
    type: 'TOPIC_AUTHORIZATION_FAILED',
  });

describe.each(['missing', 'forbidden'] as const)('the relay of one database with a %s topic', (kind) => {
  it('holds its rows uncounted while other topics flow, lists it, and sends its rows in key order once it can', async () => {
    let clock = 1_000_000;
    const store = createFakeStore({ now: () => clock });
    for (let i = 0; i < 30; i++) store.insert({ topic: i % 2 === 0 ? 'later' : 'orders', key: `k${i % 3}` });
    let writable = false;
    const sent: OutgoingMessage[] = [];
    const publisher: Pick<Publisher, 'topics' | 'send'> = {
      async topics(names) {
        const exists = (n: string) => kind === 'forbidden' || writable || n !== 'later';
        return new Map(
          names.map((n) => [n, exists(n) ? { partitions: 2, maxMessageBytes: 1_000_000 } : null]),
        );
      },
      async send(messages) {
        if (kind === 'forbidden' && !writable && messages.some((m) => m.topic === 'later')) {
          throw authorizationFailed();
        }
        sent.push(...messages);
      },
    };
    const metrics = createMetrics({ stores: () => [], logger });
    const relay = createDatabaseRelay({
      store,
      publish: createBatchPublisher({ publisher, partitioner: murmur2Partitioner, logger }),
      metrics,
      logger,
      batchSize: 4,
      pollMs: 200,
      claimTimeoutMs: 600_000,
      maxAttempts: 3,
      standbyRetryMs: 10,
      takeoverDelayMs: 0,
      sleep: fastSleep,
      now: () => clock,
    });
    const ofTopic = (topic: string) => store.rows.filter((r) => r.topic === topic);
    expect(relay.lastProgressAt()).toBeUndefined();
    const running = relay.run();

    await until(() => ofTopic('orders').every((r) => r.publishedAt !== null), 'the other topic published');
    expect(relay.heldTopics()).toEqual([
      {
        topic: 'later',
        reason: expect.stringMatching(
          kind === 'missing' ? /UNKNOWN_TOPIC_OR_PARTITION/ : /TOPIC_AUTHORIZATION_FAILED/,
        ),
        since: 1_000_000,
      },
    ]);
    expect(await metrics.registry.getSingleMetricAsString('outbox_relay_held_topics')).toContain(
      'outbox_relay_held_topics{database="fake"} 1',
    );
    expect(relay.lastProgressAt()).toBe(clock);
    // Held: never sent, never counted, however many times the loop went round.
    expect(ofTopic('later').map((r) => [r.publishedAt, r.attempts, r.errored])).toEqual(
      ofTopic('later').map(() => [null, 0, false]),
    );

    writable = true;
    clock += FIRST_RECHECK_MS;
    await until(() => store.rows.every((r) => r.publishedAt !== null), 'the held rows published');
    await relay.stop();
    await running;
    expect(relay.heldTopics()).toEqual([]);
    expect(await metrics.registry.getSingleMetricAsString('outbox_relay_held_topics')).toContain(
      'outbox_relay_held_topics{database="fake"} 0',
    );
    expect(relay.lastProgressAt()).toBeUndefined();
    for (const key of ['k0', 'k1', 'k2']) {
      const ofKey = sent
        .filter((m) => m.topic === 'later' && m.key?.toString() === key)
        .map((m) => Number(m.rowId));
      expect(ofKey).toEqual([...ofKey].sort((a, b) => a - b));
    }
    expect(new Set(sent.map((m) => m.rowId)).size).toBe(30);
  });
});

describe('the relay of one database', () => {
  it('stops reporting a held topic once none of its rows is left to wait', async () => {
    let clock = 1_000_000;
    const store = createFakeStore({ now: () => clock });
    store.insert({ topic: 'later', key: 'a' });
    store.insert({ topic: 'orders', key: 'a' });
    const publisher: Pick<Publisher, 'topics' | 'send'> = {
      topics: async (names) =>
        new Map(names.map((n) => [n, n === 'later' ? null : { partitions: 1, maxMessageBytes: 1_000_000 }])),
      send: async () => undefined,
    };
    const relay = createDatabaseRelay({
      store,
      publish: createBatchPublisher({ publisher, partitioner: murmur2Partitioner, logger }),
      logger,
      batchSize: 4,
      pollMs: 200,
      claimTimeoutMs: 600_000,
      maxAttempts: 3,
      takeoverDelayMs: 0,
      sleep: fastSleep,
      now: () => clock,
    });
    const running = relay.run();
    await until(() => relay.heldTopics().length === 1, 'the topic held');
    // Someone deleted the held row (or requeued it elsewhere): nothing of the topic waits any more.
    store.rows.splice(
      store.rows.findIndex((r) => r.topic === 'later'),
      1,
    );
    clock += FIRST_RECHECK_MS;
    await until(() => relay.heldTopics().length === 0, 'the topic no longer held');
    await relay.stop();
    await running;
  });
});
