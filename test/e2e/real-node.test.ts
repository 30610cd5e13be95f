// End to end on the real node, the way users run it: the operator installed from config/default (and,
// after, from the Helm chart) runs as a pod from its image under its ServiceAccount and leader Lease; an
// OutboxRelay becomes a relay pod from the relay image, its environment resolved by the kubelet from the
// Secret, Ready through its probes, publishing committed rows to Kafka on the host. The cleanup and
// optimize CronJobs' Jobs run the image's jobs to completion; a password rotation rolls the pod; a pod
// deleted in the middle of a backlog loses nothing; deleting the OutboxRelay removes every child.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { repoRoot } from '../../tools/devenv/paths.js';
import {
  ascending,
  collect,
  createTestDb,
  dbQuery,
  firstArrivals,
  insertRows,
  outboxState,
  pgQuery,
  type Collector,
  type TestDb,
} from '../support/relay-harness.js';
import { localHelm, type Helm } from '../support/helm.js';
import { createLogin, dbSecret, type Login } from '../support/node-login.js';
import { holdKafkaForFile } from '../support/kafka-lock.js';
import { installCrd } from '../support/operator.js';
import {
  describePods,
  jobCompleted,
  loadImagesOnNode,
  NODE_SELECTOR,
  NODE_TOLERATION,
  podAddresses,
  pods,
  readyPods,
} from '../support/real-node.js';
import { lockRow } from '../support/row-lock.js';
import {
  createNamespace,
  createTopic,
  eventually,
  kubectl,
  uniqueName,
  type TestNamespace,
  type TestDatabase,
} from '../support/servers.js';

const OPERATOR_NS = 'outbox-system';
const OVERLAY = path.join(repoRoot, 'test/e2e/operator-on-real-node');
const RELAY_PODS = 'app.kubernetes.io/instance=orders,app.kubernetes.io/component=relay';

function outboxRelay(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: 'outbox.kafka-relay.dev/v1alpha1',
    kind: 'OutboxRelay',
    metadata: { name: 'orders' },
    spec: {
      database: { driver: 'postgres', secretRef: { name: 'orders-db' } },
      kafka: { brokers: podAddresses().kafka },
      relay: { nodeSelector: NODE_SELECTOR, tolerations: [NODE_TOLERATION], pollInterval: '200ms' },
      cleanup: { enabled: true, schedule: '0 * * * *', retention: '1h' },
      optimize: { enabled: true, schedule: '30 3 * * 0' },
      ...extra,
    },
  });
}

/** Every id once or more, and per key the first arrivals in id order. */
function expectDelivered(collector: Collector, ids: string[]): void {
  const got = new Set(collector.messages.map((m) => m.id));
  expect(ids.filter((id) => !got.has(id))).toEqual([]);
  for (const [key, list] of firstArrivals(collector.messages)) {
    expect({ key, ascending: ascending(list) }).toEqual({ key, ascending: true });
  }
}

async function waitPublished(db: TestDb, timeoutMs = 120_000): Promise<void> {
  await eventually(
    'every row marked published',
    async () => ((await outboxState(db)).every((r) => r.published) ? true : undefined),
    timeoutMs,
  );
}

describe('on the real node: the operator from config/default and a relay pod', () => {
  holdKafkaForFile();
  let ns: TestNamespace;
  let database: TestDatabase<object>;
  let db: TestDb;
  let login: Login;
  let topic: string;
  let collector: Collector;
  const inserted: string[] = [];
  const row = (i: number) => ({ topic, key: `k${i % 5}`, payload: JSON.stringify({ i }) });
  const get = (args: string[]) => kubectl(['-n', ns.name, ...args]);

  beforeAll(async () => {
    await loadImagesOnNode();
    await installCrd();
    ({ database, db } = await createTestDb('postgres', 'real_node'));
    ns = await createNamespace('real-node');
    topic = await createTopic('real-node', 3);
    collector = await collect([topic]);
  }, 900_000);

  afterAll(async () => {
    await collector?.stop();
    // The operator goes (other suites run operators of their own); the CRD stays for them.
    await kubectl([
      'delete',
      'namespace',
      OPERATOR_NS,
      '--ignore-not-found',
      '--wait=true',
      '--timeout=120s',
    ]).catch(() => undefined);
    await ns?.remove();
    await database?.drop();
  }, 180_000);

  it('installs the operator from config/default: its pods run the image under its ServiceAccount, one holds the Lease', async () => {
    await kubectl(['apply', '--server-side', '--force-conflicts', '-k', OVERLAY]);
    const operators = await readyPods(OPERATOR_NS, 'app.kubernetes.io/name=outbox-relay-operator', 2);
    const holder = await eventually('a leader', async () => {
      const out = await kubectl([
        'get',
        'lease',
        '-n',
        OPERATOR_NS,
        '-o',
        'jsonpath={.items[*].spec.holderIdentity}',
      ]);
      return out.trim() || undefined;
    });
    expect(operators).toContain(holder);
    const sa = await kubectl([
      'get',
      'pod',
      operators[0]!,
      '-n',
      OPERATOR_NS,
      '-o',
      'jsonpath={.spec.serviceAccountName}',
    ]);
    expect(sa).toBe('outbox-relay-operator');
  }, 300_000);

  it('runs the relay pod from the relay image with the Secret resolved by the kubelet, Ready, publishing', async () => {
    // Migrated by the relay pod itself; the rows are written once the table exists.
    login = await createLogin(db);
    const applied = Date.now();
    await kubectl(
      ['apply', '-n', ns.name, '-f', '-'],
      `${dbSecret('orders-db', db, login)}\n${outboxRelay()}`,
    );
    const [pod] = await readyPods(ns.name, RELAY_PODS);
    const image = await get(['get', 'pod', pod!, '-o', 'jsonpath={.spec.containers[0].image}']);
    expect(image).toBe('kafka-outbox-relay/relay:0.1.0');
    await pgQuery(db, `grant all on all tables in schema public to ${login.user}`);
    inserted.push(
      ...(await insertRows(
        db,
        Array.from({ length: 100 }, (_, i) => row(i)),
      )),
    );
    await collector.waitFor(1, 120_000);
    console.log(
      `OutboxRelay applied to the first row in Kafka: ${((Date.now() - applied) / 1000).toFixed(1)} s`,
    );
    await collector.waitFor(inserted.length, 120_000);
    expectDelivered(collector, inserted);
    await eventually(
      'READY True',
      async () => {
        const cols = (await get(['get', 'outboxrelays', 'orders', '--no-headers'])).trim().split(/\s+/);
        return cols[3] === 'True' ? cols : undefined;
      },
      120_000,
    );
    // kubectl logs and exec reach the pod through the kubelet.
    expect(await get(['logs', pod!, '--tail=50'])).toContain('"msg":"ready"');
    expect((await get(['exec', pod!, '--', 'node', '-e', 'console.log(process.getuid())'])).trim()).toBe(
      '65532',
    );
  }, 400_000);

  it('runs a Job from the cleanup CronJob to completion: the old published rows are gone', async () => {
    await waitPublished(db);
    const old = inserted.slice(0, 10);
    await dbQuery(
      db,
      `update kafka_outbox set push_completed_at = now() - interval '2 hours' where id = any($1::bigint[])`,
      [old],
    );
    await get(['create', 'job', '--from=cronjob/orders-cleanup', 'cleanup-now']);
    await jobCompleted(ns.name, 'cleanup-now');
    const left = new Set((await outboxState(db)).map((r) => r.id));
    expect(old.filter((id) => left.has(id))).toEqual([]);
    expect(left.size).toBe(inserted.length - old.length);
    expect(await get(['logs', 'job/cleanup-now'])).toContain(`${db.name}: deleted 10 published rows`);
  }, 300_000);

  it('runs a Job from the optimize CronJob to completion: the table was vacuumed', async () => {
    const vacuums = async () =>
      Number(
        (await pgQuery(db, `select vacuum_count from pg_stat_user_tables where relname = 'kafka_outbox'`))[0]
          ?.vacuum_count,
      );
    const before = await vacuums();
    await get(['create', 'job', '--from=cronjob/orders-optimize', 'optimize-now']);
    await jobCompleted(ns.name, 'optimize-now');
    expect(await vacuums()).toBeGreaterThan(before);
  }, 300_000);

  it('rolls the pod when the password changes in the Secret and the database, and the new pod publishes', async () => {
    const [before] = await readyPods(ns.name, RELAY_PODS);
    const rotated = { ...login, password: `pw-${randomBytes(8).toString('hex')}` };
    await pgQuery(db, `alter role ${login.user} password '${rotated.password}'`);
    await kubectl(['apply', '-n', ns.name, '-f', '-'], dbSecret('orders-db', db, rotated));
    await eventually(
      'the old pod gone and a new one Ready',
      async () => {
        const all = await pods(ns.name, RELAY_PODS);
        const names = all.map((p) => p.metadata.name);
        return !names.includes(before!) && all.length === 1 ? names : undefined;
      },
      180_000,
    );
    await readyPods(ns.name, RELAY_PODS);
    const more = await insertRows(
      db,
      Array.from({ length: 50 }, (_, i) => row(100 + i)),
    );
    inserted.push(...more);
    await collector.waitFor(new Set([...collector.messages.map((m) => m.id), ...more]).size, 120_000);
    await waitPublished(db);
    expectDelivered(collector, inserted);
  }, 400_000);

  it('loses nothing when the relay pod is deleted in the middle of a backlog', async () => {
    const backlog = await insertRows(
      db,
      Array.from({ length: 3000 }, (_, i) => row(1000 + i)),
    );
    inserted.push(...backlog);
    // The pod has sent the 1,500th row of the backlog and waits to mark it when it is deleted.
    const lock = await lockRow(db, backlog[1500]!);
    const [victim] = await readyPods(ns.name, RELAY_PODS);
    try {
      await eventually(
        'the relay blocked marking the held row',
        async () => ((await lock.waiters()) > 0 ? true : undefined),
        120_000,
      );
      await get(['delete', 'pod', victim!, '--wait=false']);
    } finally {
      await lock.release();
    }
    const [replacement] = await readyPods(ns.name, RELAY_PODS);
    expect(replacement).not.toBe(victim);
    await waitPublished(db, 180_000);
    await eventually(
      'every row in Kafka',
      async () => {
        const got = new Set(collector.messages.map((m) => m.id));
        return inserted.every((id) => got.has(id)) ? true : undefined;
      },
      120_000,
    );
    expectDelivered(collector, inserted);
    expect((await outboxState(db)).filter((r) => r.errored)).toEqual([]);
  }, 600_000);

  it('removes every child when the OutboxRelay is deleted, and the pods stop', async () => {
    await get(['delete', 'outboxrelay', 'orders', '--wait=true', '--timeout=120s']);
    await eventually(
      'no child left',
      async () => {
        const left = (
          await get([
            'get',
            'deployments,cronjobs,jobs,pods',
            '-l',
            'app.kubernetes.io/instance=orders',
            '-o',
            'name',
          ])
        ).trim();
        return left === '' ? true : undefined;
      },
      180_000,
    ).catch(async (error: unknown) => {
      throw new Error(
        `${(error as Error).message}\n${await describePods(ns.name, 'app.kubernetes.io/instance=orders')}`,
      );
    });
  }, 300_000);
});

describe('on the real node: the operator from the Helm chart', () => {
  holdKafkaForFile();
  let helm: Helm;
  let ns: TestNamespace;
  let database: TestDatabase<object>;
  let db: TestDb;
  const release = uniqueName('rel');

  beforeAll(async () => {
    await loadImagesOnNode();
    helm = await localHelm();
    ({ database, db } = await createTestDb('postgres', 'real_node_helm'));
    ns = await createNamespace('real-node-helm');
  }, 1_800_000);

  afterAll(async () => {
    await helm?.(['uninstall', release, '--namespace', ns.name, '--wait']).catch(() => undefined);
    helm?.dispose();
    await ns?.remove();
    await database?.drop();
  }, 180_000);

  it('runs the operator as pods from the chart, and its relay pod publishes', async () => {
    const chart = path.join(repoRoot, 'charts/kafka-outbox-relay');
    await helm([
      'install',
      release,
      chart,
      '--namespace',
      ns.name,
      '--wait',
      '--timeout',
      '3m',
      '--set',
      `watchNamespace=${ns.name}`,
      '--set-json',
      `nodeSelector=${JSON.stringify(NODE_SELECTOR)}`,
      '--set-json',
      `tolerations=${JSON.stringify([NODE_TOLERATION])}`,
    ]);
    await readyPods(
      ns.name,
      `app.kubernetes.io/name=outbox-relay-operator,app.kubernetes.io/instance=${release}`,
      2,
    );
    const login = await createLogin(db);
    const topic = await createTopic('real-node-helm', 1);
    await kubectl(
      ['apply', '-n', ns.name, '-f', '-'],
      `${dbSecret('orders-db', db, login)}\n${outboxRelay()}`,
    );
    await readyPods(ns.name, RELAY_PODS);
    await pgQuery(db, `grant all on all tables in schema public to ${login.user}`);
    const ids = await insertRows(
      db,
      Array.from({ length: 20 }, (_, i) => ({ topic, key: `k${i % 3}` })),
    );
    const consumer = await collect([topic]);
    try {
      await consumer.waitFor(ids.length, 120_000);
      expectDelivered(consumer, ids);
    } finally {
      await consumer.stop();
    }
  }, 600_000);
});
