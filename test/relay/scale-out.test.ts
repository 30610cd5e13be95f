// Shared mode with relays as processes: a relay SIGSTOPped past its lease loses its shares to the others,
// which read back what it had sent and take over within two lease periods; woken with SIGCONT, it finds
// its leases gone, sends and marks nothing under them, and joins again. A relay SIGKILLed while rows flow is
// taken over the same way. Through all of it every row reaches Kafka exactly once, each key in id order.
import {
  ascending,
  collect,
  createTestDb,
  firstArrivals,
  httpGet,
  insertRows,
  outboxState,
  relayEnv,
  runCommand,
  spawnListening,
  type ListeningRelay as Relay,
  type TestDb,
} from '../support/relay-harness.js';
import { holdKafkaForFile } from '../support/kafka-lock.js';
import { createTopic, eventually, type TestDatabase } from '../support/servers.js';

holdKafkaForFile();

const LEASE_MS = 3000;

async function sharesOf(relay: Relay, database: string): Promise<number> {
  const { body } = await httpGet(relay.port, '/metrics');
  return Number(new RegExp(`outbox_relay_shares\\{database="${database}"\\} (\\d+)`).exec(body)?.[1]);
}

describe.each(['postgres', 'mysql'] as const)('shared relays on %s', (driver) => {
  let database: TestDatabase<object>;
  let db: TestDb;
  const relays: Relay[] = [];

  beforeAll(async () => {
    ({ database, db } = await createTestDb(driver, 'relay_scale_out'));
  });

  afterAll(async () => {
    for (const r of relays) {
      r.process.child.kill('SIGCONT');
      r.process.child.kill('SIGKILL');
    }
    await database?.drop();
  });

  it('survive a relay paused past its lease and one killed, with every row once and in key order', async () => {
    const topic = await createTopic(`relay-scale-out-${driver}`, 4);
    const env = relayEnv(db, {
      BATCH_SIZE: '50',
      SHARE_LEASE_MS: String(LEASE_MS),
      POLL_FREQUENCY_MS: '100',
      LOG_LEVEL: 'info',
      HTTP_PORT: '0',
    });
    expect(await runCommand(['migrate'], env)).toMatchObject({ code: 0 });
    const write = (n: number) =>
      insertRows(
        db,
        Array.from({ length: n }, (_, i) => ({ topic, key: `k${i % 30}` })),
      );
    const ids = await write(500);
    relays.push(
      await spawnListening(['run'], env),
      await spawnListening(['run'], env),
      await spawnListening(['run'], env),
    );
    const split = await eventually('the shares split among three', async () => {
      const held = await Promise.all(relays.map((r) => sharesOf(r, db.name)));
      // Starting together they may take shares at once; they settle at their parts (22 is 64/3 rounded up).
      return held.sort().join() === '20,22,22' ? held : undefined;
    });
    expect(split).toEqual([20, 22, 22]);

    // Paused past its lease: the other two take its shares and publish what comes meanwhile.
    const [paused, killed, last] = relays as [Relay, Relay, Relay];
    paused.process.child.kill('SIGSTOP');
    const stoppedAt = Date.now();
    ids.push(...(await write(600)));
    await eventually('the others holding every share', async () => {
      const held = await Promise.all([killed, last].map((r) => sharesOf(r, db.name)));
      return held[0]! + held[1]! === 64 ? true : undefined;
    });
    // Lease, grace (half a lease) and a renewal round of the others: within two lease periods.
    expect(Date.now() - stoppedAt).toBeLessThan(2 * LEASE_MS + 1000);
    await eventually('the rows written meanwhile published', async () =>
      (await outboxState(db)).every((r) => r.published) ? true : undefined,
    );

    // Woken, it finds its leases ended, stops their publishing and joins again (its gauge is read only
    // after the loss was logged: until its first round after waking, it still shows the shares it had).
    paused.process.child.kill('SIGCONT');
    const lost = 'share leases lost; stopping their publishing at once';
    await eventually('the woken relay to find its leases lost', async () =>
      paused.process.output().includes(lost) ? true : undefined,
    );
    await eventually('the woken relay holding shares again', async () => {
      const after = paused.process.output().split(lost)[1] ?? '';
      return after.includes('"msg":"shares taken"') && (await sharesOf(paused, db.name)) > 0
        ? true
        : undefined;
    });

    // Killed while rows flow: its shares are read back and taken over.
    ids.push(...(await write(600)));
    killed.process.child.kill('SIGKILL');
    await killed.process.exited;
    ids.push(...(await write(300)));
    await eventually('every row published', async () =>
      (await outboxState(db)).every((r) => r.published) ? true : undefined,
    );
    await eventually('the two left holding every share', async () => {
      const held = await Promise.all([paused, last].map((r) => sharesOf(r, db.name)));
      return held[0]! + held[1]! === 64 ? true : undefined;
    });
    expect((await outboxState(db)).filter((r) => r.errored || r.attempts > 0)).toEqual([]);

    const collector = await collect([topic]);
    try {
      await collector.waitFor(ids.length);
      await new Promise((r) => setTimeout(r, 1000));
      const counts = new Map<string, number>();
      for (const m of collector.messages) counts.set(m.id, (counts.get(m.id) ?? 0) + 1);
      expect([...counts.keys()].sort()).toEqual([...ids].sort());
      expect([...counts].filter(([, n]) => n > 1)).toEqual([]);
      for (const [key, list] of firstArrivals(collector.messages)) {
        expect({ key, ascending: ascending(list) }).toEqual({ key, ascending: true });
      }
    } finally {
      await collector.stop();
    }
  }, 180_000);
});
