// On the real node, a 2-minute database outage: the relay pod's liveness probe (/livez) reports the loop's
// own progress only, so the kubelet restarts nothing while the database is away; readiness (/readyz) says
// the pod cannot serve; and once the database is back the relay publishes what was committed during the
// outage within 10 s. The outage is a TCP proxy the suite owns, listening on the bridge's gateway between
// the pod and PostgreSQL: it is cut and restored at points the test chooses, and nothing else shares it.
import { imageTag } from '../../tools/deploy/images.js';
import { createLogin, dbSecret } from '../support/node-login.js';
import { operatorSuite } from '../support/operator.js';
import {
  collect,
  createTestDb,
  insertRows,
  outboxState,
  pgQuery,
  type Collector,
  type TestDb,
} from '../support/relay-harness.js';
import { holdKafkaForFile } from '../support/kafka-lock.js';
import {
  describePods,
  loadImagesOnNode,
  NODE_SELECTOR,
  NODE_TOLERATION,
  podAddresses,
  pods,
  readyPods,
} from '../support/real-node.js';
import { createTopic, eventually, kubectl, type TestDatabase } from '../support/servers.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const OUTAGE_MS = 120_000;
const RESUME_WITHIN_MS = 10_000;
const RELAY_PODS = 'app.kubernetes.io/instance=orders,app.kubernetes.io/component=relay';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function outboxRelay(): string {
  return JSON.stringify({
    apiVersion: 'outbox.kafka-relay.dev/v1alpha1',
    kind: 'OutboxRelay',
    metadata: { name: 'orders' },
    spec: {
      database: { driver: 'postgres', secretRef: { name: 'orders-db' } },
      kafka: { brokers: podAddresses().kafka },
      relay: { nodeSelector: NODE_SELECTOR, tolerations: [NODE_TOLERATION], pollInterval: '200ms' },
    },
  });
}

interface PodState {
  name: string;
  ready: boolean;
  restarts: number;
}

async function relayPod(namespace: string): Promise<PodState> {
  const [pod, ...more] = await pods(namespace, RELAY_PODS);
  if (!pod || more.length > 0)
    throw new Error(`expected one relay pod\n${await describePods(namespace, RELAY_PODS)}`);
  return {
    name: pod.metadata.name,
    ready: pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true,
    restarts: pod.status.containerStatuses?.[0]?.restartCount ?? 0,
  };
}

describe('on the real node: a 2-minute database outage', () => {
  holdKafkaForFile();
  const suite = operatorSuite('db-outage-node', 'SIGTERM');
  let database: TestDatabase<object>;
  let db: TestDb;
  let proxy: TcpProxy;
  let topic: string;
  let collector: Collector;
  const row = (i: number) => ({ topic, key: `k${i % 4}`, payload: JSON.stringify({ i }) });

  beforeAll(async () => {
    await loadImagesOnNode();
    ({ database, db } = await createTestDb('postgres', 'outage_node'));
    proxy = await startTcpProxy({ host: '127.0.0.1', port: db.port }, podAddresses().host);
    topic = await createTopic('outage-node', 2);
    collector = await collect([topic]);
    await suite.start('outage-operator', { relayImage: imageTag('relay') });
  }, 900_000);

  afterAll(async () => {
    await collector?.stop();
    await kubectl([
      'delete',
      'outboxrelay',
      'orders',
      '-n',
      suite.ns.name,
      '--wait=true',
      '--timeout=120s',
    ]).catch(() => undefined);
    await proxy?.close();
    await database?.drop();
  }, 180_000);

  it('restarts no pod, marks it unready while the database is away, and resumes within 10 s of its return', async () => {
    const login = await createLogin(db);
    const ns = suite.ns.name;
    await kubectl(
      ['apply', '-n', ns, '-f', '-'],
      `${dbSecret('orders-db', db, login, proxy.port)}\n${outboxRelay()}`,
    );
    await readyPods(ns, RELAY_PODS);
    await pgQuery(db, `grant all on all tables in schema public to ${login.user}`);
    const before = await insertRows(
      db,
      Array.from({ length: 20 }, (_, i) => row(i)),
    );
    await collector.waitFor(before.length, 120_000);
    const healthy = await relayPod(ns);

    proxy.cut();
    const cutAt = Date.now();
    // Committed while the relay cannot reach the database (the test writes on its own connection).
    const during = await insertRows(
      db,
      Array.from({ length: 50 }, (_, i) => row(100 + i)),
    );
    await eventually(
      'the relay pod unready (its /readyz sees the database gone)',
      async () => ((await relayPod(ns)).ready ? undefined : true),
      60_000,
    );
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - cutAt)));
    const afterOutage = await relayPod(ns);
    expect({ pod: afterOutage.name, restarts: afterOutage.restarts }).toEqual({
      pod: healthy.name,
      restarts: healthy.restarts,
    });
    const events = await kubectl([
      'get',
      'events',
      '-n',
      ns,
      '--field-selector',
      `involvedObject.name=${healthy.name}`,
    ]);
    expect(events).not.toMatch(/Liveness probe failed/);

    proxy.restore();
    const restoredAt = Date.now();
    const ids = new Set(during);
    await eventually(
      `the ${during.length} rows committed during the outage in Kafka`,
      async () => (collector.messages.filter((m) => ids.has(m.id)).length === ids.size ? true : undefined),
      60_000,
    );
    const resumedMs = Date.now() - restoredAt;
    console.log(
      `database back after ${((restoredAt - cutAt) / 1000).toFixed(0)} s: the outage's rows in Kafka ${(resumedMs / 1000).toFixed(1)} s later`,
    );
    expect(resumedMs).toBeLessThanOrEqual(RESUME_WITHIN_MS);
    await eventually(
      'every row marked published',
      async () => ((await outboxState(db)).every((r) => r.published) ? true : undefined),
      60_000,
    );
    await readyPods(ns, RELAY_PODS);
    expect((await relayPod(ns)).restarts).toBe(healthy.restarts);
  }, 600_000);
});
