// Two relays on one table. In standby mode only the leader publishes; when it stops, the other takes over
// by itself. In shared mode both publish, each the shares it holds (together all 64); when one stops, the
// other takes its shares. Either way no row goes out twice and per-key order holds.
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

async function sharesOf(relay: RunningRelay, database: string): Promise<number> {
  const { body } = await httpGet(relay.httpPort, '/metrics');
  return Number(new RegExp(`outbox_relay_shares\\{database="${database}"\\} (\\d+)`).exec(body)?.[1]);
}

holdKafkaForFile();

const cases = [
  ['postgres', 'standby'],
  ['postgres', 'shared'],
  ['mysql', 'standby'],
  ['mysql', 'shared'],
] as const;

describe.each(cases)('two relays on one %s table in %s mode', (driver, mode) => {
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

  it('publish each row once in per-key order, and one takes over when the other stops', async () => {
    const topic = await createTopic(`relay-replicas-${driver}-${mode}`, 3);
    const env = relayEnv(db, { BATCH_SIZE: '25', RELAY_MODE: mode, SHARE_LEASE_MS: '3000' });
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
    let survivor: RunningRelay;
    if (mode === 'standby') {
      const leaders = await Promise.all(relays.map((r) => isLeader(r, db.name)));
      expect(leaders.filter(Boolean)).toHaveLength(1);
      survivor = relays[leaders.indexOf(false)]!;
      await relays[leaders.indexOf(true)]!.stop();
    } else {
      const shares = await eventually('the shares split between the two', async () => {
        const held = await Promise.all(relays.map((r) => sharesOf(r, db.name)));
        // Both may take shares at once while starting; they settle at their parts.
        return held[0] === 32 && held[1] === 32 ? held : undefined;
      });
      expect(shares).toEqual([32, 32]);
      survivor = relays[1]!;
      await relays[0]!.stop();
    }
    // The other must take over and publish what comes next.
    ids.push(
      ...(await insertRows(
        db,
        Array.from({ length: 30 }, (_, i) => ({ topic, key: `k${i % 6}` })),
      )),
    );
    await eventually('the other relay to take over and publish', async () =>
      (await outboxState(db)).every((r) => r.published) ? true : undefined,
    );
    expect(await isLeader(survivor, db.name)).toBe(true);
    if (mode === 'shared') expect(await sharesOf(survivor, db.name)).toBe(64);

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
