// Liveness against readiness during a database outage, played by cutting a TCP proxy between the relay and
// the database (the shared server keeps running): /readyz says 503 while the database is gone, /livez
// stays 200 because the relay's loop keeps going round (its retries are counted meanwhile), and publishing
// resumes within 10 seconds of the database coming back.
import type { RunningRelay } from '../../relay/commands/run.js';
import {
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
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { holdKafkaForFile } from '../support/kafka-lock.js';

holdKafkaForFile();

/** Long enough for several retries; short enough that the last backoff before the return is short too. */
const OUTAGE_MS = 6000;
const SAMPLE_MS = 500;

async function retries(port: number, database: string): Promise<number> {
  const { body } = await httpGet(port, '/metrics');
  const lines = body
    .split('\n')
    .filter((l) => l.startsWith(`outbox_relay_retries_total{database="${database}"`));
  return lines.reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

describe.each(['postgres', 'mysql'] as const)('liveness during a %s outage', (driver) => {
  let database: TestDatabase<object>;
  let db: TestDb;
  let proxy: TcpProxy;
  let relay: RunningRelay | undefined;

  beforeAll(async () => {
    ({ database, db } = await createTestDb(driver, 'relay_liveness'));
    proxy = await startTcpProxy({ host: db.host, port: db.port });
  });

  afterAll(async () => {
    proxy?.restore();
    await relay?.stop();
    await proxy?.close();
    await database?.drop();
  });

  it('keeps /livez 200 while /readyz is 503, and publishes again within 10 s of the return', async () => {
    const topic = await createTopic(`relay-liveness-${driver}`, 1);
    relay = await startInProcess(relayEnv(db, { DB_HOST: '127.0.0.1', DB_PORT: String(proxy.port) }));
    await waitReady(relay.httpPort);
    await insertRows(db, [{ topic, key: 'a' }]);
    await eventually('the first row published', async () =>
      (await outboxState(db)).every((r) => r.published) ? true : undefined,
    );
    expect(await httpGet(relay.httpPort, '/livez')).toEqual({ status: 200, body: 'live\n' });

    proxy.cut();
    let returned = 0;
    try {
      // Written by the application meanwhile (its path to the database is not cut).
      await insertRows(
        db,
        Array.from({ length: 10 }, (_, i) => ({ topic, key: 'a', payload: JSON.stringify({ i }) })),
      );
      await eventually('/readyz to see the outage', async () =>
        (await httpGet(relay!.httpPort, '/readyz')).status === 503 ? true : undefined,
      );
      const retriesAtCut = await retries(relay.httpPort, db.name);
      const samples: { livez: number; readyz: number }[] = [];
      for (let t = 0; t < OUTAGE_MS; t += SAMPLE_MS) {
        const [livez, readyz] = await Promise.all([
          httpGet(relay.httpPort, '/livez'),
          httpGet(relay.httpPort, '/readyz'),
        ]);
        samples.push({ livez: livez.status, readyz: readyz.status });
        await new Promise((r) => setTimeout(r, SAMPLE_MS));
      }
      expect(samples.filter((s) => s.livez !== 200 || s.readyz !== 503)).toEqual([]);
      // The loop kept going round: it retried during the outage rather than hanging.
      expect(await retries(relay.httpPort, db.name)).toBeGreaterThan(retriesAtCut);
    } finally {
      proxy.restore();
      returned = Date.now();
    }
    await eventually(
      'the rows written during the outage published',
      async () => ((await outboxState(db)).every((r) => r.published) ? true : undefined),
      10_000,
    );
    expect(Date.now() - returned).toBeLessThan(10_000);
    expect((await outboxState(db)).filter((r) => r.errored || r.attempts > 0)).toEqual([]);
    expect((await httpGet(relay.httpPort, '/readyz')).status).toBe(200);
    expect((await httpGet(relay.httpPort, '/livez')).status).toBe(200);
  });
});
