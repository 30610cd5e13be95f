// KAFKA_HOST with an IPv6 literal in brackets ([::1]:port): the relay's readiness dial and kafkajs's seed
// connection both reach the broker at that address (a proxy listening on ::1 only, in front of the local
// broker, and the relay's only seed), and the rows are published and read back.
import type { RunningRelay } from '../../relay/commands/run.js';
import { holdKafkaForFile } from '../support/kafka-lock.js';
import {
  collect,
  createTestDb,
  insertRows,
  outboxState,
  relayEnv,
  startInProcess,
  waitReady,
  type TestDb,
} from '../support/relay-harness.js';
import { createTopic, eventually, kafkaBrokers, type TestDatabase } from '../support/servers.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

holdKafkaForFile();

describe('a broker given as an IPv6 literal in KAFKA_HOST', () => {
  let database: TestDatabase<object>;
  let db: TestDb;
  let proxy: TcpProxy;
  let relay: RunningRelay;

  beforeAll(async () => {
    ({ database, db } = await createTestDb('postgres', 'relay_ipv6'));
    const [host, port] = (kafkaBrokers()[0] as string).split(':');
    proxy = await startTcpProxy({ host: host as string, port: Number(port) }, '::1');
  });

  afterAll(async () => {
    await relay?.stop();
    await proxy?.close();
    await database?.drop();
  });

  it('is dialled, bootstraps kafkajs, and the rows are published', async () => {
    const topic = await createTopic('relay-ipv6');
    relay = await startInProcess(relayEnv(db, { KAFKA_HOST: `[::1]:${proxy.port}` }));
    await waitReady(relay.httpPort);
    const collector = await collect([topic]);
    try {
      const ids = await insertRows(db, [
        { topic, key: 'a', payload: '{"n":1}', headers: '{}' },
        { topic, key: 'b', payload: '{"n":2}', headers: '{}' },
      ]);
      await eventually('both rows published', async () =>
        (await outboxState(db)).every((r) => r.published) ? true : undefined,
      );
      const got = await collector.waitFor(2);
      expect(got.map((m) => m.id).sort()).toEqual([...ids].sort());
    } finally {
      await collector.stop();
    }
  });
});
