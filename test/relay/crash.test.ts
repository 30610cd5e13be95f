// SIGKILL in the middle of publishing, then a restart: nothing is lost, per-key order holds, and nothing
// is sent twice: the restarted relay reads Kafka back and marks the rows the killed one had sent and not
// marked (its batches in flight), in both modes. The kill lands at a point the test holds: a row lock on
// the 1,001st row, so the relay has sent that row and waits to mark it when it is killed.
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
  type TestDb,
} from '../support/relay-harness.js';
import { holdKafkaForFile } from '../support/kafka-lock.js';
import { lockRow } from '../support/row-lock.js';
import { createTopic, eventually, type TestDatabase } from '../support/servers.js';

holdKafkaForFile();

const cases = [
  ['postgres', 'shared'],
  ['postgres', 'standby'],
  ['mysql', 'shared'],
  ['mysql', 'standby'],
] as const;

describe.each(cases)('a relay killed mid-batch on %s, in %s mode', (driver, mode) => {
  let database: TestDatabase<object>;
  let db: TestDb;

  beforeAll(async () => {
    ({ database, db } = await createTestDb(driver, 'relay_crash'));
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('loses nothing after a restart and sends nothing twice', async () => {
    const topic = await createTopic(`relay-crash-${driver}-${mode}`, 2);
    expect(await runCommand(['migrate'], relayEnv(db))).toMatchObject({ code: 0 });
    // Batches start at 200 rows and grow to 400 under the backlog.
    const batchSize = 200;
    const maxBatchSize = 400;
    // A short lease: the restarted relay (a new member) takes the killed one's shares once it ended.
    const env = relayEnv(db, {
      BATCH_SIZE: String(batchSize),
      MAX_BATCH_SIZE: String(maxBatchSize),
      RELAY_MODE: mode,
      SHARE_LEASE_MS: '3000',
      LOG_LEVEL: 'info',
    });
    const ids = await insertRows(
      db,
      Array.from({ length: 3000 }, (_, i) => ({
        topic,
        key: `k${i % 10}`,
        payload: JSON.stringify({ i, pad: 'x'.repeat(200) }),
      })),
    );
    const held = ids[1000]!;
    const lock = await lockRow(db, held);
    let relay = spawnRelay(['run'], env);
    try {
      await eventually('the relay blocked marking the held row', async () =>
        (await lock.waiters()) > 0 ? true : undefined,
      );
      relay.child.kill('SIGKILL');
      await relay.exited;
    } finally {
      await lock.release();
    }
    const markedAtKill = new Set((await outboxState(db)).filter((r) => r.published).map((r) => r.id));
    expect(markedAtKill.has(held)).toBe(false);
    expect(markedAtKill.size).toBeLessThan(ids.length);

    relay = spawnRelay(['run'], env);
    try {
      await eventually('every row published after the restart', async () =>
        (await outboxState(db)).every((r) => r.published) ? true : undefined,
      );
    } finally {
      relay.child.kill('SIGTERM');
      await relay.exited;
    }
    // The restarted relay found the rows sent before the kill (the held one among them) and marked them.
    const readBack = relay
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg?: string; marked?: number })
      .find((line) => line.msg === 'marked the rows Kafka already had, without sending them again');
    expect(readBack?.marked).toBeGreaterThanOrEqual(1);
    expect((await outboxState(db)).filter((r) => r.errored || r.attempts > 0)).toEqual([]);

    const collector = await collect([topic]);
    try {
      await collector.waitFor(ids.length);
      await new Promise((r) => setTimeout(r, 1000));
      const counts = new Map<string, number>();
      for (const m of collector.messages) counts.set(m.id, (counts.get(m.id) ?? 0) + 1);
      expect([...counts.keys()].sort()).toEqual([...ids].sort());
      const duplicated = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
      expect(duplicated).toEqual([]);
      for (const [key, list] of firstArrivals(collector.messages)) {
        expect({ key, ascending: ascending(list) }).toEqual({ key, ascending: true });
      }
    } finally {
      await collector.stop();
    }
  });
});
