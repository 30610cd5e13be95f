// A Kafka outage: the shared broker (the devenv's, or with TEST_SERVERS=testcontainers the Kafka container:
// support/kafka-broker.ts) is stopped for about ten seconds while rows keep arriving. Nothing may be marked
// errored (KAFKA_PUBLISH_ATTEMPTS=1 would error a row at its first counted failure), nothing may be lost,
// and publishing must resume by itself once the broker is back. The relay runs as a child process, as in
// production: it must also survive the outage without crashing.
import { kafkaBroker } from '../support/kafka-broker.js';
import {
  ascending,
  collect,
  createTestDb,
  firstArrivals,
  insertRows,
  outboxState,
  relayEnv,
  runCommand,
  spawnRelay,
  type RelayProcess,
  type TestDb,
} from '../support/relay-harness.js';
import { stopKafkaExclusively } from '../support/kafka-lock.js';
import { createTopic, eventually, type TestDatabase } from '../support/servers.js';

describe('a Kafka outage', () => {
  let database: TestDatabase<object>;
  let db: TestDb;
  let relay: RelayProcess | undefined;

  beforeAll(async () => {
    ({ database, db } = await createTestDb('postgres', 'relay_kafka_outage'));
  });

  afterAll(async () => {
    relay?.child.kill('SIGKILL');
    await database?.drop();
  });

  it('marks nothing errored, loses nothing and resumes by itself, keeping per-key order', async () => {
    const topic = await createTopic('relay-kafka-outage', 3);
    expect(await runCommand(['migrate'], relayEnv(db))).toMatchObject({ code: 0 });
    relay = spawnRelay(['run'], relayEnv(db, { KAFKA_PUBLISH_ATTEMPTS: '1', BATCH_SIZE: '20' }));
    let exited = false;
    void relay.exited.then(() => (exited = true));
    const row = (i: number) => ({ topic, key: `k${i % 5}`, payload: JSON.stringify({ i }) });
    const before = await insertRows(
      db,
      Array.from({ length: 40 }, (_, i) => row(i)),
    );
    await eventually('the first rows published', async () =>
      (await outboxState(db)).every((r) => r.published) ? true : undefined,
    );

    const broker = kafkaBroker();
    const during: string[] = [];
    const release = await stopKafkaExclusively();
    try {
      await broker.stop();
      for (let round = 0; round < 5; round++) {
        during.push(
          ...(await insertRows(
            db,
            Array.from({ length: 20 }, (_, i) => row(40 + round * 20 + i)),
          )),
        );
        await new Promise((r) => setTimeout(r, 2000));
      }
      const state = await outboxState(db);
      expect(state.filter((r) => r.errored)).toEqual([]);
      expect(state.filter((r) => during.includes(r.id) && r.published)).toEqual([]);
    } finally {
      await broker
        .start()
        .catch(async (error: unknown) => {
          // Another process's `devenv up` (a parallel test run's global setup) may have seen the broker
          // down and started it first, so ours could not bind: that is fine as long as one serves.
          const back = await eventually(
            'Kafka to serve again',
            async () => ((await broker.serving()) ? true : undefined),
            120_000,
          ).catch(() => false);
          if (!back) throw error;
        })
        .finally(release);
    }
    const after = await insertRows(
      db,
      Array.from({ length: 20 }, (_, i) => row(140 + i)),
    );

    await eventually(
      'every row published after the outage',
      async () => ((await outboxState(db)).every((r) => r.published) ? true : undefined),
      90_000,
    );
    const state = await outboxState(db);
    expect(state.filter((r) => r.errored || r.attempts > 0)).toEqual([]);
    expect({ exited, output: exited ? relay.output() : '' }).toEqual({ exited: false, output: '' });
    relay.child.kill('SIGTERM');
    expect(await relay.exited).toEqual({ code: 0, signal: null });

    const collector = await collect([topic]);
    try {
      const all = [...before, ...during, ...after];
      await collector.waitFor(all.length);
      expect(new Set(collector.messages.map((m) => m.id))).toEqual(new Set(all));
      for (const [key, ids] of firstArrivals(collector.messages)) {
        expect({ key, ascending: ascending(ids) }).toEqual({ key, ascending: true });
      }
    } finally {
      await collector.stop();
    }
  }, 300_000);
});
