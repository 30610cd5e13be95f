// Kafka transactions, the fence the broker enforces in shared mode, on the real local broker and databases.
// First the pieces: a producer fenced in the middle of a transaction has it aborted (its message landed,
// and read_committed consumers never see it) and its commit refused; the relay's publisher fenced after
// prepare() is refused at its next send and sends again once prepared. Then the case no time fence can
// stop: relay A checks its lease and is held (at a point the test controls) before its produce request
// leaves; it stops renewing, relay B takes its shares, fences it, reads back and sends the rows. When A's
// request goes out, the broker refuses it: every row is in the topic once. The same run without
// transactions delivers A's batch a second time, which shows the test reaches the case it is about.
import { randomUUID } from 'node:crypto';
import kafkajs from 'kafkajs';
import { createRelay, type RelaysDeps } from '../../relay/commands/relays.js';
import { loadConfig, storeConfig } from '../../relay/config/config.js';
import { createStore } from '../../relay/db/create-store.js';
import type { OutboxStore } from '../../relay/db/store.js';
import type { DatabaseRelay } from '../../relay/engine/database-relay.js';
import type { SharedDatabaseRelay } from '../../relay/engine/shared-relay.js';
import type { BatchOutcome } from '../../relay/engine/publish-batch.js';
import { PublishError } from '../../relay/errors.js';
import { createKafka } from '../../relay/kafka/client.js';
import { createPublisher, type OutgoingMessage } from '../../relay/kafka/publisher.js';
import { createFence, transactionalIdOf } from '../../relay/kafka/transactions.js';
import { createLogger } from '../../relay/logger.js';
import { createMetrics } from '../../relay/metrics.js';
import { readAll } from '../soak/kafka-reader.js';
import { holdKafkaForFile } from '../support/kafka-lock.js';
import { createTestDb, insertRows, outboxState, relayEnv, type TestDb } from '../support/relay-harness.js';
import { createTopic, eventually, kafkaBrokers, kafkaClient, type TestDatabase } from '../support/servers.js';

const { logLevel, Partitioners } = kafkajs;

holdKafkaForFile();

const logger = createLogger({ level: 'silent' });
const kafkaConfig = () =>
  loadConfig({
    KAFKA_HOST: kafkaBrokers().join(','),
    DB_DRIVER: 'postgres',
    DB_HOST: 'localhost',
    DB_USER: 'relay',
    DB_PASS: 'unused',
    DB_NAME: 'unused',
  }).kafka;

function message(topic: string, id: string): OutgoingMessage {
  return { rowId: id, topic, partition: 0, key: null, value: Buffer.from(id), headers: { 'outbox-id': id } };
}

/** The outbox-ids of the topic's messages, as a read_committed (or read_uncommitted) consumer sees them. */
async function idsIn(topic: string, readUncommitted = false): Promise<string[]> {
  if (!readUncommitted) return (await readAll(kafkaBrokers(), [topic], 30_000)).map((d) => d.outboxId ?? '');
  const consumer = kafkaClient(`uncommitted-${randomUUID()}`, logLevel.NOTHING).consumer({
    groupId: `uncommitted-${randomUUID()}`,
    readUncommitted: true,
    maxWaitTimeInMs: 100,
  });
  const ids: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message: m }) => void ids.push(String(m.headers?.['outbox-id'])),
  });
  await eventually('the uncommitted message', async () => (ids.length > 0 ? ids : undefined), 20_000);
  await consumer.disconnect();
  return ids;
}

describe('Kafka transactions on the real broker', () => {
  const kafka = createKafka(kafkaConfig(), logger);
  const source = randomUUID();

  it("aborts a fenced producer's open transaction: its message landed, read_committed never sees it", async () => {
    const topic = await createTopic('txn-open');
    const member = `paused-${randomUUID().slice(0, 8)}`;
    const producer = kafka.producer({
      transactionalId: transactionalIdOf(source, member),
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    try {
      const transaction = await producer.transaction();
      await transaction.send({
        topic,
        messages: [{ partition: 0, value: 'x', headers: { 'outbox-id': '1' } }],
      });
      await createFence(kafka, source)(member);
      await expect(transaction.commit()).rejects.toMatchObject({
        type: expect.stringMatching(/FENCED|EPOCH/),
      });
    } finally {
      await producer.disconnect();
    }
    expect(await idsIn(topic, true)).toEqual(['1']);
    // A message sent after the abort, by a producer of another id, is the only one read_committed sees.
    const after = createPublisher({ kafka, config: kafkaConfig(), logger, transactionalId: `${member}-2` });
    await after.prepare();
    await after.send([message(topic, '2')]);
    await after.close();
    expect(await idsIn(topic)).toEqual(['2']);
  });

  it("refuses the relay's publisher once fenced after prepare(), and sends again once prepared anew", async () => {
    const topic = await createTopic('txn-publisher');
    const member = `relay-${randomUUID().slice(0, 8)}`;
    const publisher = createPublisher({
      kafka,
      config: kafkaConfig(),
      logger,
      transactionalId: transactionalIdOf(source, member),
    });
    try {
      await expect(publisher.send([message(topic, '0')])).rejects.toThrow('not prepared');
      await publisher.prepare();
      await publisher.send([message(topic, '1')]);
      await createFence(kafka, source)(member);
      const refused = await publisher.send([message(topic, '2')]).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(PublishError);
      expect(refused).toMatchObject({ retriable: true, kafkaType: expect.stringMatching(/FENCED|EPOCH/) });
      // The fenced producer was replaced: nothing goes out before the next prepare().
      await expect(publisher.send([message(topic, '3')])).rejects.toThrow('not prepared');
      await publisher.prepare();
      await publisher.send([message(topic, '4')]);
    } finally {
      await publisher.close();
    }
    expect(await idsIn(topic)).toEqual(['1', '4']);
  });
});

/** A gate the test opens: `reached` resolves when something waits at it. */
function gate() {
  let open!: () => void;
  let reached!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  const arrived = new Promise<void>((r) => (reached = r));
  return { open, arrived, pass: () => (reached(), opened) };
}

/** A store whose lease rounds wait at `held` once it is armed: the relay stops renewing, as if paused. */
function pausable(store: OutboxStore, held: { armed: boolean; gate: ReturnType<typeof gate> }): OutboxStore {
  const shares = new Proxy(store.shares, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        if (held.armed) await held.gate.pass();
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return new Proxy(store, { get: (t, n, r) => (n === 'shares' ? shares : Reflect.get(t, n, r)) });
}

describe.each([
  ['postgres', 'true'],
  ['postgres', 'false'],
  ['mysql', 'true'],
  ['mysql', 'false'],
] as const)(
  'a relay held between its lease check and its send, on %s, KAFKA_TRANSACTIONS=%s',
  (driver, txns) => {
    let database: TestDatabase<object>;
    let db: TestDb;
    const relays: DatabaseRelay[] = [];
    const stores: OutboxStore[] = [];
    const closers: Array<() => Promise<void>> = [];

    beforeAll(async () => {
      ({ database, db } = await createTestDb(driver, 'relay_txn'));
    });

    afterAll(async () => {
      await Promise.all(relays.map((r) => r.abort()));
      for (const close of closers.reverse()) await close().catch(() => undefined);
      await Promise.all(stores.map((s) => s.close()));
      await database?.drop();
    });

    async function relay(member: string, wrap: (s: OutboxStore) => OutboxStore, track: RelaysDeps['track']) {
      const env = relayEnv(db, { RELAY_MODE: 'shared', SHARE_LEASE_MS: '2000', KAFKA_TRANSACTIONS: txns });
      const config = loadConfig(env);
      const store = await createStore(storeConfig(config, db.name), logger);
      stores.push(store);
      await store.migrate();
      const kafka = createKafka(config.kafka, logger);
      const publisher = createPublisher({ kafka, config: config.kafka, logger, timeoutMs: 1000 });
      closers.push(() => publisher.close());
      const deps: RelaysDeps = {
        config,
        kafka,
        publisher,
        metrics: createMetrics({ stores: () => [store], logger }),
        logger,
        track,
        produceTimeoutMs: 1000,
        closeLater: (close) => void closers.push(close),
      };
      const running = createRelay(deps, wrap(store), await store.identity(), member);
      relays.push(running);
      void running.run();
      return running;
    }

    it(
      txns === 'true'
        ? 'the broker refuses its late send: every row once'
        : 'its late send duplicates the batch',
      async () => {
        const topic = await createTopic(`txn-held-${driver}-${txns}`, 3);
        // The send waits at one gate (after the lease check), the lease rounds at the other (no renewals).
        const send = { armed: false, gate: gate() };
        const rounds = { armed: false, gate: gate() };
        let lateOutcome: Promise<BatchOutcome> | undefined;
        const a = (await relay(
          `a-${randomUUID().slice(0, 8)}`,
          (s) => pausable(s, rounds),
          (_, publish) => async (rows) => {
            if (!send.armed) return publish(rows);
            await send.gate.pass();
            const outcome = publish(rows);
            lateOutcome ??= outcome;
            return outcome;
          },
        )) as SharedDatabaseRelay;
        await eventually(
          'A holding all 64 shares',
          async () => (a.shares().length === 64 ? true : undefined),
          30_000,
        );
        send.armed = true;
        const rows = Array.from({ length: 40 }, (_, i) => ({
          topic,
          key: `k${i % 8}`,
          payload: `{"n":${i}}`,
        }));
        const ids = await insertRows(db, rows);
        await send.gate.arrived;
        rounds.armed = true;
        // A is held past its lease: B takes every share over, fences A (with transactions), and sends the rows.
        await relay(
          `b-${randomUUID().slice(0, 8)}`,
          (s) => s,
          (_, publish) => publish,
        );
        await eventually(
          'every row published by B',
          async () => ((await outboxState(db)).every((r) => r.published) ? true : undefined),
          30_000,
        );
        rounds.gate.open();
        send.gate.open();
        const outcome = await await eventually('A sending its held batch', async () => lateOutcome, 10_000);
        const delivered = await idsIn(topic);
        expect([...new Set(delivered)].sort()).toEqual([...ids].sort());
        if (txns === 'true') {
          expect(outcome.published).toEqual([]);
          expect(outcome.transient?.kafkaType).toMatch(/FENCED|EPOCH/);
          expect(delivered).toHaveLength(ids.length);
        } else {
          expect(outcome.published.length).toBeGreaterThan(0);
          expect(delivered).toHaveLength(ids.length + outcome.published.length);
        }
      },
    );
  },
);
