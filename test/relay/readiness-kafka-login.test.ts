// Regression: /readyz answered 200 once the migrations were done and a broker took a TCP connection, before
// Kafka had let the relay in. On the real node, a rollout to a client certificate the brokers refuse made
// the new pod Ready for the second before it stopped with its ConfigError, so the Deployment retired the
// pod that still worked. Now the relay is ready only once its first Kafka check has passed. The broker
// here is held at a point the test controls: a proxy that accepts connections and forwards nothing until
// it is released, so the check cannot pass while the test looks.
import net from 'node:net';
import type { RunningRelay } from '../../relay/commands/run.js';
import { holdKafkaForFile } from '../support/kafka-lock.js';
import {
  createTestDb,
  httpGet,
  pgQuery,
  relayEnv,
  startInProcess,
  type TestDb,
} from '../support/relay-harness.js';
import { eventually, kafkaBrokers, type TestDatabase } from '../support/servers.js';

interface HeldBroker {
  port: number;
  connections(): number;
  release(): void;
  close(): Promise<void>;
}

/** Accepts connections for `target` and holds their bytes until release(); then forwards them. */
async function heldBroker(target: string): Promise<HeldBroker> {
  const [host, port] = [
    target.slice(0, target.lastIndexOf(':')),
    Number(target.slice(target.lastIndexOf(':') + 1)),
  ];
  let released = false;
  let accepted = 0;
  const waiting: Array<() => void> = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    accepted++;
    sockets.add(client);
    // Not read until forwarded: a socket without a reader keeps what arrives.
    const forward = () => {
      const upstream = net.connect(port, host);
      sockets.add(upstream);
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
    };
    if (released) forward();
    else waiting.push(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => accepted,
    release() {
      released = true;
      for (const forward of waiting.splice(0)) forward();
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

async function tableExists(db: TestDb): Promise<boolean> {
  const rows = await pgQuery(db, "select to_regclass('kafka_outbox') is not null as present");
  return rows[0]!.present as boolean;
}

holdKafkaForFile();

describe('the relay is ready only once Kafka has let it in', () => {
  let database: TestDatabase<object>;
  let db: TestDb;
  let broker: HeldBroker;
  let relay: RunningRelay | undefined;

  beforeAll(async () => {
    ({ database, db } = await createTestDb('postgres', 'readiness_login'));
    broker = await heldBroker(kafkaBrokers()[0]!);
  });

  afterAll(async () => {
    await relay?.stop();
    await broker?.close();
    await database?.drop();
  });

  it('answers /readyz 503 while the first Kafka check waits on the broker, 200 once it passed', async () => {
    relay = await startInProcess(relayEnv(db, { KAFKA_HOST: `127.0.0.1:${broker.port}` }));
    await eventually(
      'the migrations done and the Kafka check waiting on the held broker',
      async () => ((await tableExists(db)) && broker.connections() > 0 ? true : undefined),
      30_000,
    );
    // The database answers and the broker takes TCP connections: only the Kafka check is missing.
    expect(await httpGet(relay.httpPort, '/readyz')).toEqual({
      status: 503,
      body: 'not ready: starting or migrating\n',
    });
    expect((await httpGet(relay.httpPort, '/healthz?readiness=1')).status).toBe(200);

    broker.release();
    await eventually(
      '/readyz 200',
      async () => ((await httpGet(relay!.httpPort, '/readyz')).status === 200 ? true : undefined),
      60_000,
    );
  }, 120_000);
});
