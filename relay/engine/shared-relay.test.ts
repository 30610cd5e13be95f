import { SHARE_COUNT } from '../db/shares.js';
import { createLogger } from '../logger.js';
import { murmur2Partitioner } from '../kafka/partitioners.js';
import type { OutgoingMessage, Publisher } from '../kafka/publisher.js';
import { createFakeStore, type FakeStore } from '../testing/fake-store.js';
import { fakeShareOf } from '../testing/fake-share-leases.js';
import { createBatchPublisher } from './publish-batch.js';
import { createSharedRelay, type SharedRelayDeps } from './shared-relay.js';
import { DatabaseError, PublishError } from '../errors.js';
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
  publisher: Pick<Publisher, 'topics' | 'send'> = {
    topics: async (names) => new Map(names.map((n) => [n, { partitions: 4, maxMessageBytes: 1_000_000 }])),
    send: async (messages) => void sent.push(...messages),
  },
) {
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

  it("fences the previous owner's producer before reading its shares back, and waits while it cannot", async () => {
    const store = createFakeStore();
    for (let i = 0; i < 20; i++) store.insert({ topic: 't', key: `k${i % 5}` });
    for (let share = 0; share < SHARE_COUNT; share++) await store.shares.acquire('dead', share, '0', 0, 0);
    const steps: string[] = [];
    let fenceFails = 2;
    const fence = async (owner: string) => {
      steps.push(`fence ${owner}`);
      if (fenceFails-- > 0)
        throw new PublishError('coordinator not available', undefined, { retriable: true });
    };
    const readBack: ReadBackFn = async () => {
      steps.push('read-back');
      return { ids: [], messages: 0, ms: 1 };
    };
    const sent: OutgoingMessage[] = [];
    const b = relayOn(store, 'b', sent, { readBack, fence });
    const running = b.run();
    await until(() => allPublished(store), 'every row published');
    await b.stop();
    await running;
    // Nothing read back, claimed or sent while the fence failed; then the fence, then the read-back.
    expect(steps).toEqual(['fence dead', 'fence dead', 'fence dead', 'read-back']);
    expect(sent).toHaveLength(20);
  });

  it('fences no one for shares given up cleanly, and readies its producer for its batches', async () => {
    const store = createFakeStore();
    const sent: OutgoingMessage[] = [];
    const fenced: string[] = [];
    const a = relayOn(store, 'a', sent);
    const runA = a.run();
    await until(() => a.shares().length === SHARE_COUNT, 'a holding every share');
    let prepared = 0;
    const b = relayOn(store, 'b', sent, {
      fence: async (owner) => void fenced.push(owner),
      prepareSend: async () => void prepared++,
    });
    const runB = b.run();
    await until(() => b.shares().length === SHARE_COUNT / 2, 'b holding half');
    for (let i = 0; i < 200; i++) store.insert({ topic: 't', key: `k${i % 40}` });
    await until(() => allPublished(store), 'every row published');
    await Promise.all([a.stop(), b.stop()]);
    await Promise.all([runA, runB]);
    expect(fenced).toEqual([]);
    expect(prepared).toBeGreaterThan(0);
    expectOncePerRowInKeyOrder(store, sent);
  });

  it('starts no second loop while one stops: a read-back ending during a release sends nothing twice', async () => {
    const store = createFakeStore();
    // "dead" held shares 0-31 and never renews: they are taken with a read-back the test holds open.
    for (let share = 0; share < 32; share++) await store.shares.acquire('dead', share, '0', 0, 0);
    let endRead!: () => void;
    const reading = new Promise<void>((r) => (endRead = r));
    let readStarted = false;
    const readBack: ReadBackFn = async () => {
      readStarted = true;
      await reading;
      return { ids: [], messages: 0, ms: 1 };
    };
    // A pending row of theirs, so that the read-back runs.
    for (let i = 0; !store.rows.some((r) => fakeShareOf(r) < 32); i++)
      store.insert({ topic: 't', key: `d${i}` });
    for (const row of store.rows.filter((r) => fakeShareOf(r) >= 32))
      store.rows.splice(store.rows.indexOf(row), 1);
    const sent: OutgoingMessage[] = [];
    const a = relayOn(store, 'a', sent, { readBack });
    const runA = a.run();
    await until(() => a.shares().length === 32 && readStarted, 'a publishing 32-63, reading 0-31 back');
    // Marks wait at a gate: the loop's batches stay in flight, so stopping it waits.
    let endMarks!: () => void;
    const marks = new Promise<void>((r) => (endMarks = r));
    const mark = store.markPublished.bind(store);
    store.markPublished = async (...args) => (await marks, mark(...args));
    for (let i = 0; i < 400 && sent.length === 0; i++) {
      const id = store.insert({ topic: 't', key: `k${i}` });
      const row = store.rows.find((r) => r.id === id)!;
      if (fakeShareOf(row) < 32) store.rows.splice(store.rows.indexOf(row), 1);
    }
    await until(() => sent.length > 0, 'a batch sent, its mark held');
    // b joins: a gives shares up, stopping its loop first (held at the marks); its read-back ends then.
    const beats = { a: 0, b: 0 };
    const heartbeat = store.shares.heartbeat.bind(store.shares);
    store.shares.heartbeat = (member, ...rest) => (beats[member as 'a' | 'b']++, heartbeat(member, ...rest));
    const sentB: OutgoingMessage[] = [];
    const b = relayOn(store, 'b', sentB);
    const runB = b.run();
    await until(() => beats.b > 0, 'b a member');
    const aBefore = beats.a;
    await until(() => beats.a > aBefore, 'a round that saw b: a stopping its loop to give shares up');
    endRead();
    await until(() => a.shares().includes(0), 'the read-back done');
    const bBefore = beats.b;
    await until(() => beats.b > bBefore, 'a lease round of b after it');
    endMarks();
    await until(() => allPublished(store), 'every row published');
    await Promise.all([a.stop(), b.stop()]);
    await Promise.all([runA, runB]);
    const ids = [...sent, ...sentB].map((m) => m.rowId);
    expect(ids.length).toBe(new Set(ids).size);
  });

  it('gives no share up as clean while its producer has a transaction it could not end', async () => {
    const store = createFakeStore();
    let settled = false;
    const a = relayOn(store, 'a', [], { settled: () => settled });
    const runA = a.run();
    await until(() => a.shares().length === SHARE_COUNT, 'a holding every share');
    const beats = { a: 0, b: 0 };
    const heartbeat = store.shares.heartbeat.bind(store.shares);
    store.shares.heartbeat = (member, ...rest) => (beats[member as 'a' | 'b']++, heartbeat(member, ...rest));
    const b = relayOn(store, 'b', []);
    const runB = b.run();
    await until(() => beats.b > 0, 'b a member');
    const seen = beats.a;
    // a's lease rounds with b a member: it keeps every share, then stops without giving them up.
    await until(() => beats.a > seen + 2, 'two lease rounds of a that saw b');
    expect(a.shares()).toHaveLength(SHARE_COUNT);
    await a.stop();
    await runA;
    expect(store.shares.rows.every((r) => r.owner === 'a')).toBe(true);
    settled = true;
    await b.stop();
    await runB;
  });

  it("fences a stale owner's producer too, one whose lease ended and is not taken yet", async () => {
    const store = createFakeStore();
    for (let i = 0; i < 20; i++) store.insert({ topic: 't', key: `k${i % 5}` });
    for (let share = 0; share < SHARE_COUNT - 1; share++)
      await store.shares.acquire('dead', share, '0', 0, 0);
    await new Promise((r) => setTimeout(r, LEASE_MS)); // past the grace period
    // "late" left share 63 just now: ended, not a member, within the grace period, so not taken yet.
    await store.shares.acquire('late', SHARE_COUNT - 1, '0', 0, 0);
    const steps: string[] = [];
    const fence = async (owner: string) => void steps.push(`fence ${owner}`);
    const readBack: ReadBackFn = async () => {
      steps.push('read-back');
      return { ids: [], messages: 0, ms: 1 };
    };
    const b = relayOn(store, 'b', [], { readBack, fence });
    const running = b.run();
    await until(() => b.shares().length === SHARE_COUNT, 'b holding every share');
    await b.stop();
    await running;
    expect(steps.slice(0, 3)).toEqual(['fence dead', 'fence late', 'read-back']);
  });

  it('ends a read-back still running when it stops, and gives those shares up not as clean', async () => {
    const store = createFakeStore();
    for (let i = 0; i < 20; i++) store.insert({ topic: 't', key: `k${i % 5}` });
    for (let share = 0; share < SHARE_COUNT; share++) await store.shares.acquire('dead', share, '0', 0, 0);
    let reading = false;
    let stopped = false;
    // Kafka never answers: only the relay's stop ends this read-back.
    const readBack: ReadBackFn = (request) =>
      new Promise((_, reject) => {
        reading = true;
        request.signal?.addEventListener('abort', () => {
          stopped = true;
          reject(new Error('read-back stopped'));
        });
      });
    const sent: OutgoingMessage[] = [];
    const b = relayOn(store, 'b', sent, { readBack });
    const running = b.run();
    await until(() => reading, 'the read-back under way');
    await b.stop();
    await running;
    expect(stopped).toBe(true);
    expect(sent).toEqual([]);
    // Held, not freed: the next owner fences and reads them back as well.
    expect(store.shares.rows.every((r) => r.owner === 'b')).toBe(true);
    expect(store.rows.every((r) => r.publishedAt === null)).toBe(true);
  });

  it('lists the live members of its last lease round, and none once that is a lease old', async () => {
    const store = createFakeStore();
    const sent: OutgoingMessage[] = [];
    const a = relayOn(store, 'a', sent);
    const b = relayOn(store, 'b', sent);
    expect(a.members()).toBeUndefined();
    const running = [a.run(), b.run()];
    await until(() => a.members()?.join() === 'a,b', 'a seeing both members');
    // The database stops answering a's lease rounds: its last view ages past a lease.
    const heartbeat = store.shares.heartbeat.bind(store.shares);
    store.shares.heartbeat = async (member, leaseMs) => {
      if (member === 'a') throw new DatabaseError('connection lost', 'ECONNRESET', { retriable: true });
      return heartbeat(member, leaseMs);
    };
    const cutAt = Date.now();
    await until(() => a.members() === undefined, 'a knowing no members');
    expect(Date.now() - cutAt).toBeLessThanOrEqual(LEASE_MS + 200);
    await until(() => b.members()?.join() === 'b', 'b seeing a gone');
    await Promise.all([a.stop(), b.stop()]);
    await Promise.all(running);
  });

  it('reads its shares back after a commit whose outcome is unknown, and sends none of its rows twice', async () => {
    const store = createFakeStore();
    for (let i = 0; i < 40; i++) store.insert({ topic: 't', key: `k${i % 8}` });
    const inKafka: OutgoingMessage[] = [];
    const steps: string[] = [];
    let settled = true;
    let failed = false;
    const publisher: Pick<Publisher, 'topics' | 'send'> = {
      topics: async (names) => new Map(names.map((n) => [n, { partitions: 4, maxMessageBytes: 1_000_000 }])),
      send: async (messages) => {
        inKafka.push(...messages);
        if (failed) return;
        // The first batch lands, but its commit's answer is lost: the relay cannot tell.
        failed = true;
        settled = false;
        steps.push('commit unknown');
        throw new PublishError('NOT_COORDINATOR: the coordinator moved', 'NOT_COORDINATOR', {
          retriable: true,
        });
      },
    };
    const readBack: ReadBackFn = async () => {
      steps.push('read-back');
      return { ids: inKafka.map((m) => m.rowId), messages: inKafka.length, ms: 1 };
    };
    const relay = relayOn(
      store,
      'a',
      inKafka,
      {
        batchSize: 10,
        readBack,
        settled: () => settled,
        prepareSend: async () => {
          if (!settled) steps.push('producer started again');
          settled = true;
        },
      },
      publisher,
    );
    const running = relay.run();
    await until(() => allPublished(store), 'every row published');
    await relay.stop();
    await running;
    // The first read-back is the shares' first (their epoch 0); then the doubt's, after the new start.
    const after = steps.slice(steps.indexOf('commit unknown'));
    expect(after.slice(0, 3)).toEqual(['commit unknown', 'producer started again', 'read-back']);
    const ids = inKafka.map((m) => m.rowId);
    expect(ids.length).toBe(40);
    expect(new Set(ids).size).toBe(40);
  });
});
