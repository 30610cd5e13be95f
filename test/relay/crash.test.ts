// SIGKILL in the middle of publishing, then a restart: nothing is lost, per-key order holds, and the only
// duplicates are rows that were not yet marked published when the process died (its batch in flight),
// each recognisable by its outbox-id header. The kill lands at a point the test holds: a row lock on the
// 1,001st row, so the relay has sent that row and waits to mark it when it is killed.
import { MARKING_DEPTH } from '../../relay/engine/loop.js';
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

describe.each(['postgres', 'mysql'] as const)('a relay killed mid-batch on %s', (driver) => {
  let database: TestDatabase<object>;
  let db: TestDb;

  beforeAll(async () => {
    ({ database, db } = await createTestDb(driver, 'relay_crash'));
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('loses nothing after a restart; duplicates come only from the batch in flight', async () => {
    const topic = await createTopic(`relay-crash-${driver}`, 2);
    expect(await runCommand(['migrate'], relayEnv(db))).toMatchObject({ code: 0 });
    // Batches start at 200 rows and grow to 400 under the backlog.
    const batchSize = 200;
    const maxBatchSize = 400;
    const env = relayEnv(db, { BATCH_SIZE: String(batchSize), MAX_BATCH_SIZE: String(maxBatchSize) });
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
    expect((await outboxState(db)).filter((r) => r.errored || r.attempts > 0)).toEqual([]);

    const collector = await collect([topic]);
    try {
      await collector.waitFor(ids.length);
      await new Promise((r) => setTimeout(r, 1000));
      const counts = new Map<string, number>();
      for (const m of collector.messages) counts.set(m.id, (counts.get(m.id) ?? 0) + 1);
      expect([...counts.keys()].sort()).toEqual([...ids].sort());
      const duplicated = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
      expect(duplicated.filter((id) => markedAtKill.has(id))).toEqual([]);
      // The held row was sent before the kill and not marked, so it went out again after the restart.
      expect(duplicated).toContain(held);
      // Sent and not marked at any moment: the batch in flight and the batches being marked, each of at
      // most the largest batch.
      expect(duplicated.length).toBeLessThanOrEqual((MARKING_DEPTH + 1) * maxBatchSize);
      for (const [key, list] of firstArrivals(collector.messages)) {
        expect({ key, ascending: ascending(list) }).toEqual({ key, ascending: true });
      }
    } finally {
      await collector.stop();
    }
  });
});
