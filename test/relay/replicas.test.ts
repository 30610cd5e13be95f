// Two relays on one table: only the leader publishes, so no row goes out twice in the steady state and
// per-key order holds; when the leader stops, the other takes over by itself.
import type { RunningRelay } from '../../relay/commands/run.js';
import {
  collect,
  createTestDb,
  httpGet,
  insertRows,
  outboxState,
  relayEnv,
  startInProcess,
  waitReady,
  type TestDb,
} from '../support/relay-harness.js';
import { createTopic, eventually, type TestDatabase } from '../support/servers.js';
import { holdKafkaForFile } from '../support/kafka-lock.js';

async function isLeader(relay: RunningRelay, database: string): Promise<boolean> {
  const { body } = await httpGet(relay.httpPort, '/metrics');
  return new RegExp(`outbox_relay_leader\\{database="${database}"\\} 1`).test(body);
}

holdKafkaForFile();

describe.each(['postgres', 'mysql'] as const)('two relays on one %s table', (driver) => {
  let database: TestDatabase<object>;
  let db: TestDb;
  const relays: RunningRelay[] = [];

  beforeAll(async () => {
    ({ database, db } = await createTestDb(driver, 'relay_replicas'));
  });

  afterAll(async () => {
    await Promise.all(relays.map((r) => r.stop()));
    await database?.drop();
  });

  it('publish each row once in per-key order, and the standby takes over when the leader stops', async () => {
    const topic = await createTopic(`relay-replicas-${driver}`, 3);
    const env = relayEnv(db, { BATCH_SIZE: '25' });
    relays.push(await startInProcess(env), await startInProcess(env));
    await Promise.all(relays.map((r) => waitReady(r.httpPort)));
    const ids: string[] = [];
    for (let t = 0; t < 20; t++) {
      ids.push(
        ...(await insertRows(
          db,
          Array.from({ length: 25 }, (_, i) => ({ topic, key: `k${(t + i) % 6}` })),
        )),
      );
    }
    await eventually('every row published', async () =>
      (await outboxState(db)).every((r) => r.published) ? true : undefined,
    );
    const leaders = await Promise.all(relays.map((r) => isLeader(r, db.name)));
    expect(leaders.filter(Boolean)).toHaveLength(1);

    // The leader stops; the standby must take over and publish what comes next.
    const leader = relays[leaders.indexOf(true)]!;
    const standby = relays[leaders.indexOf(false)]!;
    await leader.stop();
    ids.push(
      ...(await insertRows(
        db,
        Array.from({ length: 30 }, (_, i) => ({ topic, key: `k${i % 6}` })),
      )),
    );
    await eventually('the standby to take over and publish', async () =>
      (await outboxState(db)).every((r) => r.published) ? true : undefined,
    );
    expect(await isLeader(standby, db.name)).toBe(true);

    const collector = await collect([topic]);
    try {
      const received = await collector.waitFor(ids.length);
      await new Promise((r) => setTimeout(r, 1000));
      expect(received.map((m) => m.id).sort()).toEqual([...ids].sort());
      for (let k = 0; k < 6; k++) {
        const ofKey = received.filter((m) => m.key === `k${k}`).map((m) => BigInt(m.id));
        expect(ofKey).toEqual([...ofKey].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      }
    } finally {
      await collector.stop();
    }
  });
});
