import { SHARE_COUNT } from '../db/shares.js';
import { createLogger } from '../logger.js';
import { murmur2Partitioner } from '../kafka/partitioners.js';
import type { OutgoingMessage, Publisher } from '../kafka/publisher.js';
import { createFakeStore, type FakeStore } from '../testing/fake-store.js';
import { fakeShareOf } from '../testing/fake-share-leases.js';
import { createBatchPublisher } from './publish-batch.js';
import { createSharedRelay, type SharedRelayDeps } from './shared-relay.js';
import type { ReadBackFn } from './take-over.js';

const logger = createLogger({ level: 'silent' });
const LEASE_MS = 400;

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function relayOn(
  store: FakeStore,
  member: string,
  sent: OutgoingMessage[],
  more: Partial<SharedRelayDeps> = {},
) {
  const publisher: Pick<Publisher, 'topics' | 'send'> = {
    topics: async (names) => new Map(names.map((n) => [n, { partitions: 4, maxMessageBytes: 1_000_000 }])),
    send: async (messages) => void sent.push(...messages),
  };
  return createSharedRelay({
    store,
    publish: createBatchPublisher({ publisher, partitioner: murmur2Partitioner, logger }),
    logger,
    batchSize: 20,
    pollMs: 20,
    claimTimeoutMs: 600_000,
    maxAttempts: 3,
    takeoverDelayMs: 0,
    member,
    leaseMs: LEASE_MS,
    ...more,
  });
}

const allPublished = (store: FakeStore) => store.rows.every((r) => r.publishedAt !== null);

function expectOncePerRowInKeyOrder(store: FakeStore, sent: OutgoingMessage[]): void {
  expect(sent.map((m) => m.rowId).sort()).toEqual(store.rows.map((r) => r.id).sort());
  const byKey = new Map<string, number[]>();
  for (const m of sent)
    byKey.set(m.key!.toString(), [...(byKey.get(m.key!.toString()) ?? []), Number(m.rowId)]);
  for (const ids of byKey.values()) expect(ids).toEqual([...ids].sort((a, b) => a - b));
}

describe('shared mode', () => {
  it('splits the shares between two relays, publishes every row once, each key in id order', async () => {
    const store = createFakeStore();
    const sent: OutgoingMessage[] = [];
    const a = relayOn(store, 'a', sent);
    const b = relayOn(store, 'b', sent);
    const running = [a.run(), b.run()];
    await until(
      () => a.shares().length + b.shares().length === SHARE_COUNT && b.shares().length > 0,
      'a split',
    );
    for (let i = 0; i < 600; i++) store.insert({ topic: 't', key: `k${i % 40}` });
    await until(() => allPublished(store), 'every row published');
    expect(a.shares().length).toBe(SHARE_COUNT / 2);
    expect(a.shares().filter((s) => b.shares().includes(s))).toEqual([]);
    const keysOf = (shares: number[]) =>
      new Set(store.rows.filter((r) => shares.includes(fakeShareOf(r))).map((r) => r.id));
    expect(keysOf(a.shares()).size + keysOf(b.shares()).size).toBe(600);
    await Promise.all([a.stop(), b.stop()]);
    await Promise.all(running);
    expectOncePerRowInKeyOrder(store, sent);
  });

  it('gives a stopped relay’s shares to the one left within two lease periods', async () => {
    const store = createFakeStore();
    const sent: OutgoingMessage[] = [];
    const a = relayOn(store, 'a', sent);
    const b = relayOn(store, 'b', sent);
    const running = [a.run(), b.run()];
    await until(
      () => a.shares().length === SHARE_COUNT / 2 && b.shares().length === SHARE_COUNT / 2,
      'a split',
    );
    await a.stop();
    const stoppedAt = Date.now();
    await until(() => b.shares().length === SHARE_COUNT, 'b holding every share');
    expect(Date.now() - stoppedAt).toBeLessThan(2 * LEASE_MS);
    expect(store.shares.members.has('a')).toBe(false);
    await b.stop();
    await Promise.all(running);
  });

  it('takes a dead relay’s shares only after its lease and the grace period ended', async () => {
    const store = createFakeStore();
    const sent: OutgoingMessage[] = [];
    // "dead" holds every share and never renews: its leases end at once.
    for (let share = 0; share < SHARE_COUNT; share++) await store.shares.acquire('dead', share, '0', 0, 0);
    const endedAt = Date.now();
    const b = relayOn(store, 'b', sent);
    const running = b.run();
    await until(() => b.shares().length === SHARE_COUNT, 'b holding every share');
    expect(Date.now() - endedAt).toBeGreaterThanOrEqual(LEASE_MS / 2);
    expect(store.shares.rows.every((r) => r.owner === 'b' && r.epoch === 2n)).toBe(true);
    await b.stop();
    await running;
  });

  it('marks what a read-back finds in Kafka instead of sending it again', async () => {
    const store = createFakeStore();
    for (let i = 0; i < 50; i++) store.insert({ topic: 't', key: `k${i % 5}` });
    for (let share = 0; share < SHARE_COUNT; share++) await store.shares.acquire('dead', share, '0', 0, 0);
    const inKafka = store.rows.slice(0, 20).map((r) => r.id);
    const asked: { topics: string[]; source: string }[] = [];
    const readBack: ReadBackFn = async (request) => {
      asked.push(request);
      return { ids: inKafka, messages: 20, ms: 1 };
    };
    const sent: OutgoingMessage[] = [];
    const b = relayOn(store, 'b', sent, { readBack });
    const running = b.run();
    await until(() => allPublished(store), 'every row published');
    await b.stop();
    await running;
    expect(sent.map((m) => m.rowId).sort()).toEqual(
      store.rows
        .slice(20)
        .map((r) => r.id)
        .sort(),
    );
    expect(asked[0]).toMatchObject({ topics: ['t'], source: 'fake-fake-kafka_outbox' });
  });

  it('keeps renewing its leases while a read-back takes longer than a lease', async () => {
    const store = createFakeStore();
    for (let i = 0; i < 30; i++) store.insert({ topic: 't', key: `k${i % 5}` });
    for (let share = 0; share < SHARE_COUNT; share++) await store.shares.acquire('dead', share, '0', 0, 0);
    const readBack: ReadBackFn = async () => {
      await new Promise((r) => setTimeout(r, 3 * LEASE_MS));
      return { ids: [], messages: 0, ms: 3 * LEASE_MS };
    };
    const sent: OutgoingMessage[] = [];
    const b = relayOn(store, 'b', sent, { readBack });
    const running = b.run();
    await until(() => allPublished(store), 'every row published');
    // Taken once (epoch 2 after the dead owner's 1), never lost and taken again meanwhile.
    expect(store.shares.rows.every((r) => r.owner === 'b' && r.epoch === 2n)).toBe(true);
    await b.stop();
    await running;
    expect(sent).toHaveLength(30);
  });

  it('sends and marks nothing once its leases ended while it was paused', async () => {
    const store = createFakeStore();
    const sent: OutgoingMessage[] = [];
    let asleep = 0;
    store.now = () => Date.now() + asleep;
    const a = relayOn(store, 'a', sent, { monotonic: () => performance.now() + asleep });
    const running = a.run();
    await until(() => a.shares().length === SHARE_COUNT, 'a holding every share');
    // The clocks jump past its leases, as after a pause; rows committed meanwhile must not go out under
    // the ended leases. It takes the shares back after the grace period (new epochs) and sends them then.
    const epochs = store.shares.rows.map((r) => r.epoch);
    const lost = new Promise<void>((resolve) => {
      const send = sent.push.bind(sent);
      sent.push = (...messages) => {
        expect(store.shares.rows.every((r, share) => r.epoch > epochs[share]!)).toBe(true);
        resolve();
        return send(...messages);
      };
    });
    for (let i = 0; i < 10; i++) store.insert({ topic: 't', key: `k${i}` });
    asleep = 2 * LEASE_MS;
    await lost;
    await until(() => allPublished(store), 'every row published');
    await a.stop();
    await running;
  });
});
