// The relay in-process against the real PostgreSQL, MariaDB and Kafka: no loss, per-key order, partitions,
// headers, poison rows, and the HTTP endpoints.
import { randomBytes } from 'node:crypto';
import type { RunningRelay } from '../../relay/commands/run.js';
import { murmur2Partitioner } from '../../relay/kafka/partitioners.js';
import {
  collect,
  createTestDb,
  httpGet,
  insertRows,
  outboxState,
  relayEnv,
  startInProcess,
  waitReady,
  type Collector,
  type TestDb,
} from '../support/relay-harness.js';
import { createTopic, eventually, type TestDatabase } from '../support/servers.js';
import { holdKafkaForFile } from '../support/kafka-lock.js';

const DRIVERS = ['postgres', 'mysql'] as const;

holdKafkaForFile();

describe.each(DRIVERS)('the relay publishing from %s', (driver) => {
  let database: TestDatabase<object>;
  let db: TestDb;
  let topic: string;
  let relay: RunningRelay;
  let collector: Collector | undefined;

  beforeAll(async () => {
    ({ database, db } = await createTestDb(driver, 'relay_publish'));
    topic = await createTopic(`relay-publish-${driver}`, 4);
    relay = await startInProcess(relayEnv(db, { BATCH_SIZE: '50', KAFKA_PUBLISH_ATTEMPTS: '2' }));
    await waitReady(relay.httpPort);
  });

  afterAll(async () => {
    await collector?.stop();
    await relay?.stop();
    await database?.drop();
  });

  it('publishes every committed row exactly once, in id order per key, on the partition murmur2 chooses', async () => {
    collector = await collect([topic]);
    const keys = Array.from({ length: 7 }, (_, i) => `customer-${i}`);
    const ids: string[] = [];
    // Several transactions while the relay runs, so claims interleave with inserts.
    for (let t = 0; t < 10; t++) {
      const rows = Array.from({ length: 30 }, (_, i) => ({
        topic,
        key: keys[(t * 30 + i) % keys.length]!,
        payload: JSON.stringify({ t, i }),
        headers: JSON.stringify({ 'content-type': 'application/json', seq: t * 30 + i }),
      }));
      ids.push(...(await insertRows(db, rows)));
    }
    const received = await collector.waitFor(ids.length);
    await new Promise((r) => setTimeout(r, 500));
    expect(received.map((m) => m.id).sort()).toEqual([...ids].sort());
    for (const key of keys) {
      const ofKey = received.filter((m) => m.key === key).map((m) => BigInt(m.id));
      expect(ofKey).toEqual([...ofKey].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      expect(new Set(received.filter((m) => m.key === key).map((m) => m.partition))).toEqual(
        new Set([murmur2Partitioner(key, 4)]),
      );
    }
    const first = received.find((m) => m.id === ids[0])!;
    expect(first.value).toBe(JSON.stringify({ t: 0, i: 0 }));
    expect(first.headers).toEqual({
      'content-type': 'application/json',
      seq: '0',
      'outbox-id': ids[0],
      'outbox-source': expect.stringMatching(
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      ),
    });
    await eventually('every row marked published', async () =>
      (await outboxState(db)).every((r) => r.published) ? true : undefined,
    );
  });

  it('marks poison rows errored with their reason, holds a missing topic uncounted, and does not hold up other keys', async () => {
    const missingTopic = `${topic}.missing`;
    const huge = JSON.stringify({ blob: randomBytes(800_000).toString('base64') });
    const [emptyTopic, arrayHeaders, tooLarge, noSuchTopic, behindPoison, healthy] = await insertRows(db, [
      { topic: '', key: 'p1' },
      { topic, key: 'p2', headers: '[1, 2]' },
      { topic, key: 'p3', payload: huge },
      { topic: missingTopic, key: 'p4' },
      { topic, key: 'p2', payload: '{"after":"poison"}' },
      { topic, key: 'other', payload: '{"healthy":true}' },
    ]);
    const state = await eventually(
      'the poison rows errored and the rest published',
      async () => {
        const rows = await outboxState(db);
        const byId = new Map(rows.map((r) => [r.id, r]));
        const done =
          [emptyTopic, arrayHeaders, tooLarge].every((id) => byId.get(id!)?.errored) &&
          [behindPoison, healthy].every((id) => byId.get(id!)?.published);
        return done ? byId : undefined;
      },
      60_000,
    );
    expect(state.get(emptyTopic!)).toMatchObject({ attempts: 2, reason: 'topic is empty' });
    expect(state.get(arrayHeaders!)).toMatchObject({
      attempts: 2,
      reason: 'payload_headers is not a JSON object',
    });
    expect(state.get(tooLarge!)!.reason).toMatch(/exceeds the topic's max.message.bytes/);
    // A missing topic is not the row's fault: held, never errored, never counted.
    expect(state.get(noSuchTopic!)).toMatchObject({ published: false, errored: false, attempts: 0 });
    expect(relay.heldTopics().map((t) => t.topic)).toEqual([missingTopic]);
    const received = await collector!.waitFor(301);
    expect(received.map((m) => m.id)).toEqual(expect.arrayContaining([behindPoison, healthy]));
    expect(received.map((m) => m.id)).not.toEqual(expect.arrayContaining([tooLarge]));
  });

  it('serves health, readiness and the Go relay gauges without secrets', async () => {
    expect(await httpGet(relay.httpPort, '/healthz')).toMatchObject({ status: 200 });
    expect(await httpGet(relay.httpPort, '/healthz?readiness=1')).toMatchObject({ status: 200 });
    expect(await httpGet(relay.httpPort, '/readyz')).toMatchObject({ status: 200 });
    expect(await httpGet(relay.httpPort, '/livez')).toEqual({ status: 200, body: 'live\n' });
    const { body } = await httpGet(relay.httpPort, '/metrics');
    // The row of the missing topic is still pending (held), not errored.
    expect(body).toMatch(new RegExp(`kafka_outbox_queue_size\\{database="${db.name}"\\} 1`));
    expect(body).toMatch(new RegExp(`kafka_outbox_total_size\\{database="${db.name}"\\} 306`));
    expect(body).toMatch(new RegExp(`outbox_relay_published_total\\{database="${db.name}"\\} 302`));
    expect(body).toMatch(new RegExp(`outbox_relay_errored_total\\{database="${db.name}"\\} 3`));
    expect(body).toMatch(new RegExp(`outbox_relay_held_topics\\{database="${db.name}"\\} 1`));
    expect(body).toMatch(new RegExp(`outbox_relay_leader\\{database="${db.name}"\\} 1`));
    expect(body).not.toContain(db.password);
  });
});
