// End to end on the real node: the operator from config/default gives the OutboxRelay's relay pod its own
// ServiceAccount, Role and RoleBinding; the pod, from the relay image, reads its token from the mounted
// service account volume and writes its report into status.databases, and the operator turns the report
// into the summary (BACKLOG) and the Publishing condition. Rows of a topic that does not exist are held,
// so the report is a backlog that stays: three pending rows, the held topic, who reported.
import path from 'node:path';
import { repoRoot } from '../../tools/devenv/paths.js';
import { createLogin, dbSecret } from '../support/node-login.js';
import { holdKafkaForFile } from '../support/kafka-lock.js';
import { installCrd } from '../support/operator.js';
import {
  loadImagesOnNode,
  NODE_SELECTOR,
  NODE_TOLERATION,
  podAddresses,
  readyPods,
} from '../support/real-node.js';
import { createTestDb, insertRows, pgQuery, type TestDb } from '../support/relay-harness.js';
import {
  createNamespace,
  createTopic,
  eventually,
  kubectl,
  uniqueName,
  type TestDatabase,
  type TestNamespace,
} from '../support/servers.js';

const OPERATOR_NS = 'outbox-system';
const OVERLAY = path.join(repoRoot, 'test/e2e/operator-on-real-node');
const RELAY_PODS = 'app.kubernetes.io/instance=orders,app.kubernetes.io/component=relay';

interface Live {
  status?: {
    backlog?: number;
    databases?: Array<{
      name: string;
      pending: number;
      heldTopics?: Array<{ topic: string; reason: string }>;
      reportedBy: string;
    }>;
    conditions?: Array<{ type: string; status: string; reason: string; message: string }>;
  };
}

describe('on the real node: a relay pod reports on its OutboxRelay', () => {
  holdKafkaForFile();
  let ns: TestNamespace;
  let database: TestDatabase<object>;
  let db: TestDb;

  beforeAll(async () => {
    await loadImagesOnNode();
    await installCrd();
    ({ database, db } = await createTestDb('postgres', 'report_node'));
    ns = await createNamespace('report-node');
  }, 900_000);

  afterAll(async () => {
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

  it('reports the held backlog with the token of its own ServiceAccount, and the operator shows it', async () => {
    await kubectl(['apply', '--server-side', '--force-conflicts', '-k', OVERLAY]);
    await readyPods(OPERATOR_NS, 'app.kubernetes.io/name=outbox-relay-operator');
    const flowing = await createTopic('report-node-flowing');
    const missing = uniqueName('t.report-node-missing', '.');
    const login = await createLogin(db);
    const relay = JSON.stringify({
      apiVersion: 'outbox.kafka-relay.dev/v1alpha1',
      kind: 'OutboxRelay',
      metadata: { name: 'orders' },
      spec: {
        database: { driver: 'postgres', secretRef: { name: 'orders-db' } },
        kafka: { brokers: podAddresses().kafka },
        relay: { nodeSelector: NODE_SELECTOR, tolerations: [NODE_TOLERATION], pollInterval: '200ms' },
      },
    });
    await kubectl(['apply', '-n', ns.name, '-f', '-'], `${dbSecret('orders-db', db, login)}\n${relay}`);
    const [pod] = await readyPods(ns.name, RELAY_PODS);
    const { spec } = JSON.parse(await kubectl(['get', 'pod', pod!, '-n', ns.name, '-o', 'json'])) as {
      spec: { serviceAccountName: string; automountServiceAccountToken: boolean };
    };
    expect(spec).toMatchObject({ serviceAccountName: 'orders-reporter', automountServiceAccountToken: true });

    await pgQuery(db, `grant all on all tables in schema public to ${login.user}`);
    await insertRows(db, [
      ...[1, 2, 3].map((n) => ({ topic: missing, key: `k${n}` })),
      ...[1, 2].map((n) => ({ topic: flowing, key: `k${n}` })),
    ]);
    const get = async () =>
      JSON.parse(await kubectl(['get', 'outboxrelay', 'orders', '-n', ns.name, '-o', 'json'])) as Live;
    const live = await eventually(
      'the report of the held rows and the operator’s summary of it',
      async () => {
        const l = await get();
        const entry = l.status?.databases?.find((d) => d.name === db.name);
        return entry?.pending === 3 && l.status?.backlog === 3 ? l : undefined;
      },
      180_000,
    );
    expect(live.status?.databases).toEqual([
      expect.objectContaining({
        name: db.name,
        pending: 3,
        heldTopics: [expect.objectContaining({ topic: missing, reason: 'TopicMissing' })],
        reportedBy: pod,
      }),
    ]);
    const publishing = live.status?.conditions?.find((c) => c.type === 'Publishing');
    expect(publishing).toMatchObject({ status: 'False', reason: 'TopicMissing' });
    expect(publishing?.message).toContain(missing);
    const columns = await kubectl(['get', 'outboxrelays', 'orders', '-n', ns.name]);
    expect(columns.split('\n')[0]).toContain('BACKLOG');
    expect(columns.split('\n')[1]).toMatch(/\s3\s/);
  }, 600_000);
});
