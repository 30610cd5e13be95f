// The three servers, started with testcontainers' own modules on the images images.ts chose, configured as
// the devenv's are where a suite can tell (a superuser, 300 connections, TLS beside plain connections on
// the databases, no automatic topic creation, a 512 MB broker heap), and described by the devenv's export
// names. Passwords are made per run.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { KafkaContainer } from '@testcontainers/kafka';
import { MySqlContainer } from '@testcontainers/mysql';
import { PostgreSqlContainer } from '@testcontainers/postgresql';
import { Kafka, logLevel } from 'kafkajs';
import type { StartedTestContainer } from 'testcontainers';
import { CONTAINER_KEYS, MODE, type ServerExports } from './exports-file.js';
import { containerTls, mysqlTlsArgs, mysqlTlsFiles, type ContainerTls } from './server-tls.js';
import type { ServerName } from './versions.js';

const KAFKA_PORT = 9093; // @testcontainers/kafka's listener for clients outside the container
const DATABASE = 'outbox';

/** Ours, on every container: whose they are, so a later setup can remove what a killed run left. */
export interface OwnerLabels {
  [label: string]: string;
}

/**
 * The broker's host port is chosen before it starts, so that stopping and starting the container (a Kafka
 * outage, test/support/kafka-broker.ts) keeps the address it advertises; the module would publish a random
 * port, which Docker may change at a restart.
 */
class PinnedPortKafkaContainer extends KafkaContainer {
  constructor(
    image: string,
    private readonly hostPort: number,
  ) {
    super(image);
  }

  protected override async beforeContainerCreated(): Promise<void> {
    await super.beforeContainerCreated();
    this.hostConfig.PortBindings = {
      ...this.hostConfig.PortBindings,
      [`${KAFKA_PORT}/tcp`]: [{ HostPort: String(this.hostPort) }],
    };
  }
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

const password = () => randomBytes(12).toString('hex');

async function startPostgres(image: string, labels: OwnerLabels, tls: ContainerTls) {
  const c = await new PostgreSqlContainer(image)
    .withSSLCert(tls.ca, tls.cert, tls.key)
    .withUsername('outbox')
    .withPassword(password())
    .withDatabase(DATABASE)
    .withCommand(['postgres', '-c', 'max_connections=300', '-c', 'shared_buffers=128MB'])
    .withLabels(labels)
    .start();
  const exports = {
    PGHOST: c.getHost(),
    PGPORT: String(c.getPort()),
    PGUSER: c.getUsername(),
    PGPASSWORD: c.getPassword(),
    PGDATABASE: c.getDatabase(),
  };
  return { container: c, exports };
}

async function startMysql(image: string, labels: OwnerLabels, tls: ContainerTls) {
  const c = await new MySqlContainer(image)
    .withCopyFilesToContainer(mysqlTlsFiles(tls))
    .withDatabase(DATABASE)
    .withRootPassword(password())
    .withCommand([
      '--max-connections=300',
      '--skip-name-resolve',
      '--skip-log-bin',
      '--innodb-buffer-pool-size=128M',
      '--character-set-server=utf8mb4',
      '--collation-server=utf8mb4_unicode_ci',
      ...mysqlTlsArgs(),
    ])
    .withLabels(labels)
    .start();
  // root: each test file creates its own database, as the devenv's user may (MYSQL_USER owns only one).
  const exports = {
    MYSQL_HOST: c.getHost(),
    MYSQL_PORT: String(c.getPort()),
    MYSQL_USER: 'root',
    MYSQL_PASSWORD: c.getRootPassword(),
    MYSQL_DATABASE: c.getDatabase(),
  };
  return { container: c, exports };
}

/** Until the broker serves metadata with a controller (its port opens a little before). */
export async function kafkaServes(brokers: string[], timeoutMs = 60_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const admin = new Kafka({ clientId: 'test-servers', brokers, logLevel: logLevel.NOTHING }).admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length > 0 && cluster.controller !== null) return true;
    } catch {
      // not yet
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function startKafka(image: string, labels: OwnerLabels) {
  const c = await new PinnedPortKafkaContainer(image, await freeLoopbackPort())
    .withKraft()
    .withEnvironment({
      // The code under test must cope with a missing topic; tests create topics through the admin API.
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
      KAFKA_NUM_PARTITIONS: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_NUM_PARTITIONS: '1',
      KAFKA_DELETE_TOPIC_ENABLE: 'true',
      KAFKA_HEAP_OPTS: '-Xmx512m -Xms512m',
    })
    .withLabels(labels)
    .start();
  const brokers = `${c.getHost()}:${c.getMappedPort(KAFKA_PORT)}`;
  if (!(await kafkaServes([brokers])))
    throw new Error(`testcontainers: Kafka at ${brokers} serves no metadata`);
  return { container: c, exports: { KAFKA_BROKERS: brokers } };
}

export interface StartedServers {
  exports: ServerExports;
  containers: StartedTestContainer[];
}

export async function startServers(
  images: Record<ServerName, string>,
  labels: OwnerLabels,
): Promise<StartedServers> {
  const tls = await containerTls();
  const settled = await Promise.allSettled([
    startPostgres(images.postgres, labels, tls),
    startMysql(images.mysql, labels, tls),
    startKafka(images.kafka, labels),
  ]);
  const started = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (failed.length > 0) {
    await Promise.all(started.map((s) => s.container.stop().catch(() => undefined)));
    throw new Error(failed.map((e) => (e instanceof Error ? e.message : String(e))).join('\n'));
  }
  const [pg, my, kafka] = started as [
    Awaited<ReturnType<typeof startPostgres>>,
    Awaited<ReturnType<typeof startMysql>>,
    Awaited<ReturnType<typeof startKafka>>,
  ];
  return {
    containers: [pg.container, my.container, kafka.container],
    exports: {
      TEST_SERVERS: MODE,
      ...pg.exports,
      ...my.exports,
      ...kafka.exports,
      [CONTAINER_KEYS.postgres]: pg.container.getId(),
      [CONTAINER_KEYS.mysql]: my.container.getId(),
      [CONTAINER_KEYS.kafka]: kafka.container.getId(),
      TEST_SERVERS_POSTGRES_IMAGE: images.postgres,
      TEST_SERVERS_MYSQL_IMAGE: images.mysql,
      TEST_SERVERS_KAFKA_IMAGE: images.kafka,
    },
  };
}
