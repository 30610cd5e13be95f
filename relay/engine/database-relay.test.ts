import { DatabaseError, PublishError } from '../errors.js';
import { createLogger } from '../logger.js';
import { murmur2Partitioner } from '../kafka/partitioners.js';
import type { OutgoingMessage, Publisher } from '../kafka/publisher.js';
import { createFakeStore, type FakeStore } from '../testing/fake-store.js';
import { createDatabaseRelay, type DatabaseRelayDeps } from './database-relay.js';
import { createBatchPublisher } from './publish-batch.js';
import { RelayLoop } from './loop.js';

const logger = createLogger({ level: 'silent' });
const fastSleep = () => new Promise<void>((resolve) => setImmediate(resolve));

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function setup(
  store: FakeStore,
  fail?: (messages: OutgoingMessage[]) => Error | undefined,
  more: Partial<DatabaseRelayDeps> = {},
) {
  const sent: OutgoingMessage[] = [];
  const publisher: Pick<Publisher, 'topics' | 'send'> = {
    async topics(names) {
      return new Map(
        names.map((n) => [n, n === 'missing' ? null : { partitions: 4, maxMessageBytes: 1_000_000 }]),
      );
    },
    async send(messages) {
      const error = fail?.(messages);
      if (error) throw error;
      sent.push(...messages);
    },
  };
  const relay = createDatabaseRelay({
    store,
    publish: createBatchPublisher({ publisher, partitioner: murmur2Partitioner, logger }),
    logger,
    batchSize: 10,
    pollMs: 1000,
    claimTimeoutMs: 600_000,
    maxAttempts: 3,
    standbyRetryMs: 10,
    sleep: fastSleep,
    ...more,
  });
  return { relay, sent };
}

const kafkaDown = () => Object.assign(new Error('Connection error'), { name: 'KafkaJSConnectionError' });

describe('the relay of one database', () => {
  it('publishes every row in id order per key and marks it published', async () => {
    const store = createFakeStore();
    for (let i = 0; i < 35; i++) store.insert({ topic: 't', key: `k${i % 3}` });
    const { relay, sent } = setup(store);
    const running = relay.run();
    await until(() => store.rows.every((r) => r.publishedAt !== null), 'every row published');
    await relay.stop();
    await running;
    expect(sent.map((m) => m.rowId)).toEqual(store.rows.map((r) => r.id));
  });

  it('never counts a Kafka outage against the rows and publishes once Kafka is back', async () => {
    const store = createFakeStore();
    for (let i = 0; i < 5; i++) store.insert({ topic: 't', key: 'same' });
    let down = true;
    const { relay, sent } = setup(store, () => (down ? kafkaDown() : undefined));
    const running = relay.run();
    // Each failed round reads the batch again: a claim writes nothing, so nothing is released.
    await until(() => store.calls.filter((c) => c.method === 'claim').length >= 3, 'three failed rounds');
    expect(store.rows.every((r) => r.attempts === 0 && !r.errored)).toBe(true);
    down = false;
    await until(() => store.rows.every((r) => r.publishedAt !== null), 'every row published');
    await relay.stop();
    await running;
    expect(sent.map((m) => m.rowId)).toEqual(['1', '2', '3', '4', '5']);
  });

  it('keeps key order when an earlier row of the key fails until it is errored', async () => {
    const store = createFakeStore();
    store.insert({ topic: 't', key: 'k', headers: '"not an object"' });
    store.insert({ topic: 't', key: 'k' });
    store.insert({ topic: 't', key: 'other' });
    const { relay, sent } = setup(store);
    const running = relay.run();
    await until(
      () => store.rows.filter((r) => r.publishedAt !== null).length === 2,
      'the healthy rows published',
    );
    await relay.stop();
    await running;
    expect(store.rows[0]).toMatchObject({
      errored: true,
      attempts: 3,
      errorReason: 'payload_headers is not a JSON object',
    });
    // The other key went out at once; the row behind the poison row only after it was errored.
    expect(sent.map((m) => m.rowId)).toEqual(['3', '2']);
  });

  it('waits out a database outage while claiming and while marking, then carries on', async () => {
    const store = createFakeStore();
    store.insert({ topic: 't', key: 'a' });
    const lost = new DatabaseError('connection terminated', '57P01', { retriable: true });
    store.failNext('claim', lost, 3);
    store.failNext('markPublished', lost, 2);
    const { relay, sent } = setup(store);
    const running = relay.run();
    await until(() => store.rows[0]!.publishedAt !== null, 'the row published');
    await relay.stop();
    await running;
    expect(store.calls.filter((c) => c.method === 'markPublished')).toHaveLength(3);
    expect(sent.map((m) => m.rowId)).toEqual(['1']);
  });

  it('stops on a programming error instead of retrying it', async () => {
    const store = createFakeStore();
    store.insert({ topic: 't' });
    store.failNext('claim', new TypeError('cannot read properties of undefined'));
    const { relay } = setup(store);
    await expect(relay.run()).rejects.toThrow(TypeError);
  });

  it('stands by while another relay leads, and takes over, clearing its abandoned claim at once', async () => {
    const shared = { leader: null as object | null };
    const store = createFakeStore({ shared });
    store.insert({ topic: 't', key: 'a' });
    store.insert({ topic: 't', key: 'a' });
    const other = await store.acquireLeadership();
    // The other relay (a publisher that stamps its claims, as the Go relay does) claimed the first row,
    // then died; without the takeover's clearing, the row would wait out the 600 s claim timeout.
    Object.assign(store.rows[0]!, { batchId: 'abandoned', claimedAt: store.now() });
    const { relay, sent } = setup(store);
    const running = relay.run();
    await until(() => store.calls.filter((c) => c.method === 'acquireLeadership').length >= 3, 'a few tries');
    expect(relay.isLeader()).toBe(false);
    expect(sent).toEqual([]);
    await other!.release();
    await until(() => store.rows.every((r) => r.publishedAt !== null), 'both rows published');
    await relay.stop();
    await running;
    expect(sent.map((m) => m.rowId)).toEqual(['1', '2']);
    expect(store.calls.filter((c) => c.method === 'clearClaims')).toHaveLength(1);
  });
});

describe('RelayLoop', () => {
  it('cuts its idle sleep short on wake() and lets stop() drain the batch in flight', async () => {
    let claims = 0;
    let release!: () => void;
    const resolved: string[] = [];
    const loop = new RelayLoop({
      claim: async () => {
        claims++;
        return claims === 2 ? { batchId: 'b', rows: [{ id: '1' } as never] } : { batchId: 'a', rows: [] };
      },
      publish: () =>
        new Promise((resolve) => (release = () => resolve({ published: ['1'], failures: [], released: [] }))),
      resolve: async (claim) => void resolved.push(claim.batchId),
      batchSize: 10,
      pollMs: 3_600_000,
      logger,
    });
    const running = loop.start();
    await until(() => claims === 1, 'the first claim');
    loop.wake();
    await until(() => release !== undefined, 'the batch in flight');
    const stopped = loop.stop();
    release();
    await stopped;
    await running;
    expect(resolved).toEqual(['b']);
    expect(claims).toBe(2);
  });

  it('claims again at once after a full clean batch, waits the poll interval otherwise, and backs off after a Kafka error', async () => {
    const events: string[] = [];
    const outcomes = [
      { published: ['1', '2'], failures: [], released: [] },
      { published: ['3'], failures: [], released: [] },
      {
        published: [],
        failures: [],
        released: ['4'],
        transient: new PublishError('down', undefined, { retriable: true }),
      },
    ];
    let claims = 0;
    const loop: RelayLoop = new RelayLoop({
      claim: async () => {
        claims++;
        events.push(`claim ${claims}`);
        if (claims === 5) void loop.stop();
        const size = [2, 1, 1][claims - 1] ?? 0;
        return { batchId: String(claims), rows: Array.from({ length: size }, () => ({}) as never) };
      },
      publish: async () => outcomes.shift() ?? { published: [], failures: [], released: [] },
      resolve: async () => undefined,
      batchSize: 2,
      pollMs: 500,
      now: () => 0,
      backoff: { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0 },
      sleep: async (ms) => void events.push(`sleep ${ms}`),
      logger,
    });
    await loop.start();
    expect(events).toEqual([
      'claim 1',
      'claim 2',
      'sleep 500',
      'claim 3',
      'sleep 100',
      'claim 4',
      'sleep 500',
      'claim 5',
    ]);
  });

  it('ends its read-back at a takeover when it stops, sending and marking nothing', async () => {
    const store = createFakeStore();
    for (let i = 0; i < 5; i++) store.insert({ topic: 't', key: 'k' });
    let reading = false;
    let stopped = false;
    // Kafka never answers: only the stop ends this read-back.
    const readBack: DatabaseRelayDeps['readBack'] = (request) =>
      new Promise((_, reject) => {
        reading = true;
        request.signal?.addEventListener('abort', () => {
          stopped = true;
          reject(new Error('read-back stopped'));
        });
      });
    const { relay, sent } = setup(store, undefined, { readBack });
    const running = relay.run();
    await until(() => reading, 'the read-back under way');
    await relay.stop();
    await running;
    expect(stopped).toBe(true);
    expect(sent).toEqual([]);
    expect(store.rows.every((r) => r.publishedAt === null)).toBe(true);
  });
});
