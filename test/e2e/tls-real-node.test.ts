// TLS and credentials end to end on the real node, through the operator installed from config/default
// (watching the suite's namespace): OutboxRelays whose Secrets are shaped as Strimzi and a managed
// database give them (a cluster CA's ca.crt, a tls KafkaUser's user.crt and user.key, a scram-sha-512
// KafkaUser's password, a database CA and client certificate) run as relay pods that publish over the local
// Kafka's pod listeners: mTLS, SASL_SSL with SCRAM-SHA-512, and SSL; PostgreSQL is verified with
// verify-full and MariaDB with verify-ca, each logged into as its certificate user. In the pod the mounted files are readable by the relay's user
// only (and its group), and no credential is in the environment. Rotating the client certificate rolls the
// pod, and what the new pod presents follows the Secret: an expired certificate (from the right CA) is
// refused and named while the previous pod keeps publishing, the next valid one publishes. A wrong SCRAM
// password stops the relay with a termination message naming the setting.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { repoRoot } from '../../tools/devenv/paths.js';
import {
  freshClientCertificate,
  expiredClientCertificate,
  type ClientCertificate,
} from '../support/client-certificates.js';
import { holdKafkaForFile } from '../support/kafka-lock.js';
import {
  catExitCode,
  processEnv,
  secret,
  serialInPod,
  statInPod,
  terminated,
  uidInPod,
} from '../support/node-tls.js';
import { installCrd } from '../support/operator.js';
import {
  loadImagesOnNode,
  NODE_SELECTOR,
  NODE_TOLERATION,
  podAddresses,
  pods,
  readyPods,
} from '../support/real-node.js';
import { collect, createTestDb, insertRows, type Collector, type TestDb } from '../support/relay-harness.js';
import {
  createNamespace,
  createTopic,
  eventually,
  kubectl,
  type TestDatabase,
  type TestNamespace,
} from '../support/servers.js';
import { createSecureTestDb, secureExport } from '../support/tls.js';

const OPERATOR_NS = 'outbox-system';
const OVERLAY = path.join(repoRoot, 'test/e2e/operator-on-real-node');
const RELAY_UID = 65532;
const relayPods = (name: string) => `app.kubernetes.io/instance=${name},app.kubernetes.io/component=relay`;
const MOUNTED = {
  dbPassword: '/etc/outbox-relay/db-password/password',
  dbCa: '/etc/outbox-relay/db-tls-ca/ca.crt',
  dbCert: '/etc/outbox-relay/db-tls-client/tls.crt',
  dbKey: '/etc/outbox-relay/db-tls-client/tls.key',
  kafkaCa: '/etc/outbox-relay/kafka-tls-ca/ca.crt',
  kafkaCert: '/etc/outbox-relay/kafka-tls-client/tls.crt',
  kafkaKey: '/etc/outbox-relay/kafka-tls-client/tls.key',
};

/**
 * config/default as the real-node suite installs it, watching only this suite's namespace (a mode users
 * have too): in all-namespaces mode it would also take every other suite's OutboxRelays (a benchmark's
 * thousand of them), and wait behind them.
 */
async function operatorFor(namespace: string): Promise<string> {
  const objects = yaml.loadAll(await kubectl(['kustomize', OVERLAY])) as Array<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const deployment = objects.find(
    (o) => o.kind === 'Deployment' && o.metadata.name === 'outbox-relay-operator',
  );
  const container = deployment?.spec.template.spec.containers[0];
  if (!container) throw new Error('config/default has no outbox-relay-operator Deployment');
  container.env = [
    ...(container.env ?? []).filter((e: { name: string }) => e.name !== 'WATCH_NAMESPACE'),
    { name: 'WATCH_NAMESPACE', value: namespace },
  ];
  return objects.map((o) => JSON.stringify(o)).join('\n');
}

function outboxRelay(name: string, spec: { database: object; kafka: object }): string {
  return JSON.stringify({
    apiVersion: 'outbox.kafka-relay.dev/v1alpha1',
    kind: 'OutboxRelay',
    metadata: { name },
    spec: {
      ...spec,
      relay: { nodeSelector: NODE_SELECTOR, tolerations: [NODE_TOLERATION], pollInterval: '200ms' },
      cleanup: { enabled: false },
    },
  });
}

function dbSecret(name: string, db: TestDb): string {
  const { host } = podAddresses();
  return secret(name, {
    host,
    port: String(db.port),
    username: db.user,
    password: db.password,
    database: db.name,
  });
}

/** A tls KafkaUser's Secret, with the keys Strimzi writes (the relay mounts user.crt and user.key only). */
const kafkaUserSecret = (c: Pick<ClientCertificate, 'cert' | 'key'>, ca: string) =>
  secret('relay-cert', { 'ca.crt': ca, 'user.crt': c.cert, 'user.key': c.key, 'user.password': '' });

describe('on the real node: TLS and credentials through the operator', () => {
  holdKafkaForFile();
  let ns: TestNamespace;
  let certDatabase: TestDatabase<object>;
  /** The database the certificate user owns (its view, and the admin's that writes rows). */
  let certDb: { db: TestDb; admin: TestDb };
  let scramDatabase: TestDatabase<object>;
  let scramDb: TestDb;
  let mysqlDatabase: TestDatabase<object>;
  let mysqlDb: { db: TestDb; admin: TestDb };
  let topics: { mtls: string; scram: string; mysql: string };
  let collector: Collector;
  const apply = (yaml: string) => kubectl(['apply', '-n', ns.name, '-f', '-'], yaml);
  const get = (args: string[]) => kubectl(['-n', ns.name, ...args]);
  const ca = () => readFileSync(secureExport('DEVENV_TLS_CA_FILE'), 'utf8');
  const scram = () => ({
    username: secureExport('KAFKA_SCRAM_USERNAME'),
    password: secureExport('KAFKA_SCRAM_PASSWORD'),
  });

  /** Inserts rows for `topic` and waits for every one of them in Kafka. */
  async function publishes(admin: TestDb, topic: string, count = 20): Promise<void> {
    const ids = await insertRows(
      admin,
      Array.from({ length: count }, (_, i) => ({ topic, key: `k${i % 4}` })),
    );
    await eventually(
      `${count} rows of ${topic} in Kafka`,
      async () => {
        const got = new Set(collector.messages.map((m) => m.id));
        return ids.every((id) => got.has(id)) ? true : undefined;
      },
      120_000,
    );
  }

  /** Waits for the one Ready relay pod of `name` to be a new one (none of `old`); its name. */
  async function rolledTo(name: string, old: string[]): Promise<string> {
    return eventually(
      `a new Ready pod of ${name}, the old ones gone`,
      async () => {
        const all = await pods(ns.name, relayPods(name));
        const [pod] = all;
        if (all.length !== 1 || old.includes(pod!.metadata.name)) return undefined;
        const ready = pod!.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
        return ready ? pod!.metadata.name : undefined;
      },
      240_000,
    );
  }

  beforeAll(async () => {
    await loadImagesOnNode();
    await installCrd();
    const secure = await createSecureTestDb('postgres', 'tls_node', 'cert');
    certDatabase = secure.database;
    certDb = { db: secure.db, admin: secure.admin };
    ({ database: scramDatabase, db: scramDb } = await createTestDb('postgres', 'tls_node_scram'));
    const mysql = await createSecureTestDb('mysql', 'tls_node_my', 'cert');
    mysqlDatabase = mysql.database;
    mysqlDb = { db: mysql.db, admin: mysql.admin };
    ns = await createNamespace('tls-node');
    topics = {
      mtls: await createTopic('tls-node-mtls'),
      scram: await createTopic('tls-node-scram'),
      mysql: await createTopic('tls-node-mysql'),
    };
    collector = await collect(Object.values(topics));
    await kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], await operatorFor(ns.name));
    await kubectl([
      'rollout',
      'status',
      'deployment/outbox-relay-operator',
      '-n',
      OPERATOR_NS,
      '--timeout=300s',
    ]);
    await readyPods(OPERATOR_NS, 'app.kubernetes.io/name=outbox-relay-operator', 2);
  }, 900_000);

  afterAll(async () => {
    await collector?.stop();
    await kubectl([
      'delete',
      'namespace',
      OPERATOR_NS,
      '--ignore-not-found',
      '--wait=true',
      '--timeout=120s',
    ]).catch(() => undefined);
    await ns?.remove();
    await certDatabase?.drop();
    await scramDatabase?.drop();
    await mysqlDatabase?.drop();
  }, 180_000);

  it('publishes over mTLS (a cluster CA Secret, a tls KafkaUser Secret) from a database verified with verify-full, logged into by certificate', async () => {
    const client = {
      cert: readFileSync(secureExport('DEVENV_TLS_CLIENT_CERT_FILE'), 'utf8'),
      key: readFileSync(secureExport('DEVENV_TLS_CLIENT_KEY_FILE'), 'utf8'),
    };
    await apply(
      [
        secret('cluster-ca-cert', { 'ca.crt': ca() }),
        kafkaUserSecret(client, ca()),
        secret('db-ca', { 'global-bundle.pem': ca() }),
        secret('db-cert', { 'tls.crt': client.cert, 'tls.key': client.key }),
        // The certificate user has no password: an empty key, mounted as an empty DB_PASS_FILE.
        dbSecret('mtls-db', certDb.db),
        outboxRelay('mtls', {
          database: {
            driver: 'postgres',
            secretRef: { name: 'mtls-db' },
            tls: {
              mode: 'verify-full',
              caSecretRef: { name: 'db-ca', key: 'global-bundle.pem' },
              clientCertSecretRef: { name: 'db-cert' },
            },
          },
          kafka: {
            brokers: [secureExport('KAFKA_POD_MTLS_BROKERS')],
            tls: {
              enabled: true,
              caSecretRef: { name: 'cluster-ca-cert' },
              clientCertSecretRef: { name: 'relay-cert' },
            },
          },
        }),
      ].join('\n'),
    );
    await readyPods(ns.name, relayPods('mtls'));
    await publishes(certDb.admin, topics.mtls);
  }, 400_000);

  it('mounts every credential as a file the relay user reads and others cannot, and names none in the pod spec', async () => {
    const [pod] = await readyPods(ns.name, relayPods('mtls'));
    expect(await uidInPod(ns.name, pod!)).toBe(RELAY_UID);
    const files = Object.values(MOUNTED);
    const stats = await statInPod(ns.name, pod!, files);
    expect(stats.map((s) => s.path)).toEqual(files);
    for (const s of stats) {
      // 0400 from the volume, plus group read for the pod's fsGroup (the relay's group); nothing for others.
      expect({ path: s.path, mode: s.mode, gid: s.gid }).toEqual({
        path: s.path,
        mode: '440',
        gid: RELAY_UID,
      });
    }
    expect(await catExitCode(ns.name, pod!, files)).toBe(0);
    const spec = JSON.parse(await get(['get', 'pod', pod!, '-o', 'json'])) as {
      spec: { containers: Array<{ env: Array<{ name: string; value?: string }> }> };
    };
    const env = spec.spec.containers[0]!.env;
    expect(env.map((e) => e.name)).not.toContain('DB_PASS');
    expect(env.find((e) => e.name === 'DB_PASS_FILE')?.value).toBe(MOUNTED.dbPassword);
    expect(env.filter((e) => e.value?.includes('-----BEGIN'))).toEqual([]);
  }, 120_000);

  it('publishes over SASL_SSL with SCRAM-SHA-512 (a scram-sha-512 KafkaUser Secret); no credential in the environment', async () => {
    await apply(
      [
        dbSecret('scram-db', scramDb),
        secret('relay-scram', { password: scram().password }),
        outboxRelay('scram', {
          database: { driver: 'postgres', secretRef: { name: 'scram-db' } },
          kafka: {
            brokers: [secureExport('KAFKA_POD_SASL_SSL_BROKERS')],
            tls: { enabled: true, caSecretRef: { name: 'cluster-ca-cert' } },
            sasl: {
              mechanism: 'scram-sha-512',
              username: scram().username,
              secretRef: { name: 'relay-scram' },
            },
          },
        }),
      ].join('\n'),
    );
    const [pod] = await readyPods(ns.name, relayPods('scram'));
    await publishes(scramDb, topics.scram);
    const env = await processEnv(ns.name, pod!);
    expect(Object.keys(env)).not.toContain('DB_PASS');
    expect(Object.keys(env)).not.toContain('KAFKA_SASL_PASSWORD');
    const leaked = Object.entries(env).filter(
      ([, value]) => value.includes(scram().password) || value.includes(scramDb.password),
    );
    expect(leaked.map(([name]) => name)).toEqual([]);
  }, 400_000);

  it('publishes over SSL from MariaDB verified with verify-ca as the certificate user (REQUIRE SUBJECT)', async () => {
    await apply(
      [
        dbSecret('mysql-db', mysqlDb.db),
        outboxRelay('mysql', {
          database: {
            driver: 'mysql',
            secretRef: { name: 'mysql-db' },
            // verify-ca: mysql2 cannot check an address against the certificate, and pods dial one.
            tls: {
              mode: 'verify-ca',
              caSecretRef: { name: 'db-ca', key: 'global-bundle.pem' },
              clientCertSecretRef: { name: 'db-cert' },
            },
          },
          kafka: {
            brokers: [secureExport('KAFKA_POD_SSL_BROKERS')],
            tls: { enabled: true, caSecretRef: { name: 'cluster-ca-cert' } },
          },
        }),
      ].join('\n'),
    );
    await readyPods(ns.name, relayPods('mysql'));
    await publishes(mysqlDb.admin, topics.mysql);
    await get(['delete', 'outboxrelay', 'mysql', '--wait=false']);
  }, 400_000);

  it('rolls the pod when the client certificate is rotated, and the new pod presents what the Secret holds', async () => {
    const [first] = await readyPods(ns.name, relayPods('mtls'));
    const rotated = await freshClientCertificate('outbox_relay_rotated');
    await apply(kafkaUserSecret(rotated, ca()));
    const second = await rolledTo('mtls', [first!]);
    expect(await serialInPod(ns.name, second, MOUNTED.kafkaCert)).toBe(rotated.serial);
    await publishes(certDb.admin, topics.mtls);

    // An expired certificate from the same CA: the broker refuses it, so the new pod stops naming the
    // setting while the previous one (maxUnavailable 0) keeps publishing.
    const expired = await expiredClientCertificate('outbox_relay_expired');
    await apply(kafkaUserSecret(expired, ca()));
    const refused = await terminated(ns.name, relayPods('mtls'), [second]);
    expect(refused.exitCode).toBe(2);
    expect(refused.message).toMatch(
      /KAFKA_TLS_CERT_FILE: .*refused the client certificate of \/etc\/outbox-relay\/kafka-tls-client\/tls\.crt/,
    );
    expect(refused.ready).toBe(false);
    expect(await readyPods(ns.name, relayPods('mtls'))).toEqual([second]);
    await publishes(certDb.admin, topics.mtls);

    const renewed = await freshClientCertificate('outbox_relay_renewed');
    await apply(kafkaUserSecret(renewed, ca()));
    const third = await rolledTo('mtls', [second, refused.pod]);
    expect(await serialInPod(ns.name, third, MOUNTED.kafkaCert)).toBe(renewed.serial);
    await publishes(certDb.admin, topics.mtls);
  }, 900_000);

  it('stops on a wrong SCRAM password with a termination message naming the setting, never Ready', async () => {
    const wrong = 'not-the-scram-password';
    await apply(
      [
        secret('relay-scram-wrong', { password: wrong }),
        outboxRelay('scram-wrong', {
          database: { driver: 'postgres', secretRef: { name: 'scram-db' }, table: 'wrong_outbox' },
          kafka: {
            brokers: [secureExport('KAFKA_POD_SASL_SSL_BROKERS')],
            tls: { enabled: true, caSecretRef: { name: 'cluster-ca-cert' } },
            sasl: {
              mechanism: 'scram-sha-512',
              username: scram().username,
              secretRef: { name: 'relay-scram-wrong' },
            },
          },
        }),
      ].join('\n'),
    );
    const stop = await terminated(ns.name, relayPods('scram-wrong'));
    expect(stop.exitCode).toBe(2);
    expect(stop.message).toMatch(
      new RegExp(
        `KAFKA_SASL_PASSWORD_FILE: .*refused the SASL scram-sha-512 login of user "${scram().username}"`,
      ),
    );
    expect(stop.message).not.toContain(wrong);
    expect(stop.ready).toBe(false);
    const ready = await get([
      'get',
      'outboxrelay',
      'scram-wrong',
      '-o',
      'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
    ]);
    expect(ready.trim()).not.toBe('True');
    // The relay's last report before it exits: the refusal is a reason on the resource, not only in a log.
    const kafka = await eventually('the refusal in status.databases', async () => {
      const relay = JSON.parse(await get(['get', 'outboxrelay', 'scram-wrong', '-o', 'json'])) as {
        status?: { databases?: Array<{ kafka?: { state: string; message?: string } }> };
      };
      const state = relay.status?.databases?.[0]?.kafka;
      return state?.state === 'Unauthorized' ? state : undefined;
    });
    expect(kafka.message).toMatch(/KAFKA_SASL_PASSWORD_FILE/);
    expect(kafka.message).not.toContain(wrong);
  }, 300_000);
});
