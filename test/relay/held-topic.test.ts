// A topic that does not exist yet (the local broker has automatic creation off), written to by an
// application at about 500 rows a second beside a topic that exists: the missing topic's rows are held,
// never errored and never counted, the other topic's rows keep flowing, and once the topic is created
// every held row arrives, in id order per key. The topic is created at a point the test chooses: only
// after the other topic's rows were seen arriving and the relay reported the topic held.
import type { RunningRelay } from '../../relay/commands/run.js';
import {
  ascending,
  collect,
  createTestDb,
  firstArrivals,
  httpGet,
  insertRows,
  outboxState,
  relayEnv,
  startInProcess,
  waitReady,
  type Collector,
  type Row,
  type TestDb,
} from '../support/relay-harness.js';
import { createTopic, eventually, uniqueName, withAdmin, type TestDatabase } from '../support/servers.js';
import { holdKafkaForFile } from '../support/kafka-lock.js';

holdKafkaForFile();

const ROWS_PER_TICK = 10;
const TICK_MS = 20; // 10 rows every 20 ms: about 500 rows a second
const KEYS = 5;
const BATCH_SIZE = 50;

/** An application writing rows on its own, half to each topic, until stopped; returns every id. */
function startWriter(db: TestDb, topics: { held: string; flowing: string }) {
  const ids = new Map<string, string[]>([
    [topics.held, []],
    [topics.flowing, []],
  ]);
  let running = true;
  let n = 0;
  const done = (async () => {
    while (running) {
      const tick = Date.now();
      const rows: Row[] = Array.from({ length: ROWS_PER_TICK }, () => {
        const topic = n % 2 === 0 ? topics.held : topics.flowing;
        return { topic, key: `k${Math.floor(n++ / 2) % KEYS}`, payload: JSON.stringify({ n }) };
      });
      const written = await insertRows(db, rows);
      rows.forEach((row, i) => ids.get(row.topic)!.push(written[i]!));
      await new Promise((r) => setTimeout(r, Math.max(0, TICK_MS - (Date.now() - tick))));
    }
  })();
  return {
    ids,
    async stop() {
      running = false;
      await done;
    },
  };
}

describe.each(['postgres', 'mysql'] as const)('a missing topic on %s', (driver) => {
  let database: TestDatabase<object>;
  let db: TestDb;
  let relay: RunningRelay | undefined;
  const collectors: Collector[] = [];

  beforeAll(async () => {
    ({ database, db } = await createTestDb(driver, 'relay_held_topic'));
  });

  afterAll(async () => {
    await Promise.all(collectors.map((c) => c.stop()));
    await relay?.stop();
    await database?.drop();
  });

  it('holds its rows uncounted while another topic flows, and sends them in key order once it exists', async () => {
    const flowing = await createTopic(`relay-held-flowing-${driver}`, 2);
    const held = uniqueName(`t.relay-held-missing-${driver}`, '.');
    relay = await startInProcess(relayEnv(db, { BATCH_SIZE: String(BATCH_SIZE) }));
    await waitReady(relay.httpPort);
    const flowingCollector = await collect([flowing]);
    collectors.push(flowingCollector);

    const writer = startWriter(db, { held, flowing });
    const writingSince = Date.now();
    try {
      // The point the test chooses: the other topic's rows arrive and the relay reports the topic held.
      await eventually('rows of the other topic to arrive while the topic is held', async () => {
        const heldNow = relay!.heldTopics().some((t) => t.topic === held);
        return heldNow && flowingCollector.messages.length >= 6 * BATCH_SIZE ? true : undefined;
      });
      const heldIds = new Set(writer.ids.get(held));
      // Rows of the other topic went out that were written after many more held rows than a batch holds:
      // the held rows, the oldest in the table, did not fill the batches.
      const pastTwoBatches = [...heldIds].map(BigInt).sort((a, b) => (a < b ? -1 : 1))[2 * BATCH_SIZE]!;
      expect(flowingCollector.messages.filter((m) => BigInt(m.id) > pastTwoBatches).length).toBeGreaterThan(
        0,
      );
      expect(relay.heldTopics()).toEqual([
        expect.objectContaining({
          database: db.name,
          topic: held,
          reason: expect.stringContaining('UNKNOWN_TOPIC_OR_PARTITION'),
        }),
      ]);
      expect((await httpGet(relay.httpPort, '/metrics')).body).toContain(
        `outbox_relay_held_topics{database="${db.name}"} 1`,
      );
      const before = (await outboxState(db)).filter((r) => heldIds.has(r.id));
      expect(before.length).toBeGreaterThan(0);
      expect(before.filter((r) => r.published || r.errored || r.attempts > 0)).toEqual([]);
      // Its rows have been arriving for at least 2 seconds when the topic is made.
      await new Promise((r) => setTimeout(r, Math.max(0, 2000 - (Date.now() - writingSince))));
      await withAdmin((admin) =>
        admin.createTopics({
          topics: [{ topic: held, numPartitions: 2, replicationFactor: 1 }],
          waitForLeaders: true,
        }),
      );
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      await writer.stop();
    }

    const heldCollector = await collect([held]);
    collectors.push(heldCollector);
    const total = writer.ids.get(held)!.length + writer.ids.get(flowing)!.length;
    await eventually(
      'every row published',
      async () => ((await outboxState(db)).every((r) => r.published) ? true : undefined),
      90_000,
    );
    const state = await outboxState(db);
    expect(state).toHaveLength(total);
    expect(state.filter((r) => r.errored || r.attempts > 0)).toEqual([]);
    for (const [topic, collector] of [
      [held, heldCollector],
      [flowing, flowingCollector],
    ] as const) {
      await collector.waitFor(writer.ids.get(topic)!.length);
      expect(new Set(collector.messages.map((m) => m.id))).toEqual(new Set(writer.ids.get(topic)));
      for (const [key, ids] of firstArrivals(collector.messages)) {
        expect({ key, ascending: ascending(ids) }).toEqual({ key, ascending: true });
      }
    }
    expect(relay.heldTopics()).toEqual([]);
  });
});
