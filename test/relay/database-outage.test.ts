// A database outage, played by cutting a TCP proxy between the relay and the database for about ten seconds
// (the shared server keeps running for everyone else): nothing errored, nothing lost, per-key order kept,
// and publishing resumes by itself.
import type { RunningRelay } from '../../relay/commands/run.js';
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
  startInProcess,
  type TestDb,
} from '../support/relay-harness.js';
import { lockRow } from '../support/row-lock.js';
import { createTopic, eventually, type TestDatabase } from '../support/servers.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { holdKafkaForFile } from '../support/kafka-lock.js';

holdKafkaForFile();

describe.each(['postgres', 'mysql'] as const)('a %s outage', (driver) => {
  let database: TestDatabase<object>;
  let db: TestDb;
  let proxy: TcpProxy;
  let relay: RunningRelay | undefined;

  beforeAll(async () => {
    ({ database, db } = await createTestDb(driver, 'relay_db_outage'));
    proxy = await startTcpProxy({ host: db.host, port: db.port });
  });

  afterAll(async () => {
    proxy?.restore();
    await relay?.stop();
    await proxy?.close();
    await database?.drop();
  });

  it('marks nothing errored, loses nothing and resumes by itself', async () => {
    const topic = await createTopic(`relay-db-outage-${driver}`, 2);
    expect(await runCommand(['migrate'], relayEnv(db))).toMatchObject({ code: 0 });
    const row = (i: number) => ({ topic, key: `k${i % 5}`, payload: JSON.stringify({ i }) });
    const ids = await insertRows(
      db,
      Array.from({ length: 100 }, (_, i) => row(i)),
    );
    // Cut while the relay is busy: it has sent the 41st row and waits to mark it (a row lock the test
    // took before the relay started), so the outage lands on a marking in flight. Then keep writing rows
    // directly (the application's path is not cut).
    const lock = await lockRow(db, ids[40]!);
    try {
      relay = await startInProcess(
        relayEnv(db, {
          DB_HOST: '127.0.0.1',
          DB_PORT: String(proxy.port),
          KAFKA_PUBLISH_ATTEMPTS: '1',
          BATCH_SIZE: '20',
        }),
      );
      await eventually('the relay blocked marking the held row', async () =>
        (await lock.waiters()) > 0 ? true : undefined,
      );
      proxy.cut();
    } finally {
      await lock.release();
    }
    try {
      for (let round = 0; round < 5; round++) {
        ids.push(
          ...(await insertRows(
            db,
            Array.from({ length: 20 }, (_, i) => row(100 + round * 20 + i)),
          )),
        );
        await new Promise((r) => setTimeout(r, 2000));
      }
    } finally {
      proxy.restore();
    }
    await eventually(
      'every row published after the outage',
      async () => ((await outboxState(db)).every((r) => r.published) ? true : undefined),
      90_000,
    );
    expect((await outboxState(db)).filter((r) => r.errored || r.attempts > 0)).toEqual([]);

    const collector = await collect([topic]);
    try {
      await collector.waitFor(ids.length);
      await new Promise((r) => setTimeout(r, 1000));
      expect(new Set(collector.messages.map((m) => m.id))).toEqual(new Set(ids));
      // Per key, first arrivals in id order (a batch published just before the cut may be sent again).
      for (const [key, ids] of firstArrivals(collector.messages)) {
        expect({ key, ascending: ascending(ids) }).toEqual({ key, ascending: true });
      }
    } finally {
      await collector.stop();
    }
    await relay.stop();
    relay = undefined;
  });

  it('still exits 0 within 10 seconds on SIGTERM while the database is unreachable', async () => {
    const topic = await createTopic(`relay-db-outage-term-${driver}`, 1);
    const child = spawnRelay(['run'], relayEnv(db, { DB_HOST: '127.0.0.1', DB_PORT: String(proxy.port) }));
    try {
      await insertRows(db, [{ topic, key: 'a' }]);
      await eventually('the row published', async () =>
        (await outboxState(db)).every((r) => r.published) ? true : undefined,
      );
      proxy.cut();
      await insertRows(
        db,
        Array.from({ length: 10 }, () => ({ topic, key: 'a' })),
      );
      await new Promise((r) => setTimeout(r, 2000));
      const sent = Date.now();
      child.child.kill('SIGTERM');
      expect(await child.exited).toEqual({ code: 0, signal: null });
      expect(Date.now() - sent).toBeLessThan(10_000);
    } finally {
      proxy.restore();
      child.child.kill('SIGKILL');
    }
  });
});
