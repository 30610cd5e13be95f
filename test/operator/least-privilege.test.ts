// The operator under a Role that can read only the Secrets the OutboxRelays reference (resourceNames on
// the secrets rule; no list of Secrets in general), on the local control plane: it reconciles as usual, a
// Secret change still rolls the Deployment, a missing Secret is reported as before, the API server refuses
// it nothing (its own count of 403s), and an unrelated Secret of the namespace never enters its cache (its
// count of cached Secrets and of Secret watches).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import {
  installCrd,
  metricValue,
  repoRoot,
  startOperatorProcess,
  tokenKubeconfig,
  type OperatorProcess,
} from '../support/operator.js';
import { createNamespace, eventually, kubectl, type TestNamespace } from '../support/servers.js';

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}
interface Obj {
  metadata: { annotations?: Record<string, string> };
  spec: { template: { metadata: { annotations?: Record<string, string> } } };
  status?: { conditions?: Array<{ type: string; status: string; reason: string; message: string }> };
}

const SA = 'outbox-relay-operator';
// The Secrets the OutboxRelays below reference; nothing else is readable.
const REFERENCED = ['orders-db', 'orders-kafka', 'late-db'];

const json = (o: unknown) => JSON.stringify(o);
const secret = (name: string, data: Record<string, string>) =>
  json({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: data });
const dbData = { host: 'db.example', port: '5432', username: 'relay', password: 'pw', database: 'orders' };
const outboxRelay = (name: string, dbSecret: string, sasl?: string) =>
  json({
    apiVersion: 'outbox.kafka-relay.dev/v1alpha1',
    kind: 'OutboxRelay',
    metadata: { name },
    spec: {
      database: { secretRef: { name: dbSecret } },
      kafka: {
        brokers: ['kafka-0.kafka:9092'],
        ...(sasl ? { sasl: { mechanism: 'scram-sha-512', secretRef: { name: sasl } } } : {}),
      },
    },
  });

/** config/rbac/watched-namespace/role.yaml with resourceNames on its secrets rule. */
function namedSecretsRole(): string {
  const role = yaml.load(
    readFileSync(path.join(repoRoot, 'config/rbac/watched-namespace/role.yaml'), 'utf8'),
  ) as { rules: Rule[] };
  const secretsRules = role.rules.filter((r) => r.resources.includes('secrets'));
  expect(secretsRules).toHaveLength(1);
  const rules = role.rules.map((r) =>
    r.resources.includes('secrets') ? { ...r, resourceNames: REFERENCED } : r,
  );
  return json({ ...role, metadata: { name: 'operator-named-secrets' }, rules });
}

describe('the operator under a Role that names the Secrets it may read', () => {
  let ns: TestNamespace;
  let op: OperatorProcess;
  let kubeconfig: string;
  const get = async (kind: string, name: string): Promise<Obj | undefined> => {
    const out = await kubectl(['get', kind, name, '-n', ns.name, '-o', 'json', '--ignore-not-found']);
    return out.trim() ? (JSON.parse(out) as Obj) : undefined;
  };
  const condition = async (relay: string, type: string) =>
    (await get('outboxrelay', relay))?.status?.conditions?.find((c) => c.type === type);
  const metric = async (name: string, labels = '') => metricValue(await op.metrics(), name, labels);
  const hash = async () =>
    (await get('deployment', 'orders-relay'))?.spec.template.metadata.annotations?.[
      'outbox.kafka-relay.dev/secret-hash'
    ];

  beforeAll(async () => {
    await installCrd();
    ns = await createNamespace('least-privilege');
    await kubectl(['create', 'serviceaccount', SA, '-n', ns.name]);
    await kubectl(['apply', '-n', ns.name, '-f', '-'], namedSecretsRole());
    await kubectl(
      ['apply', '-n', ns.name, '-f', '-'],
      readFileSync(path.join(repoRoot, 'config/rbac/leader_election_role.yaml'), 'utf8'),
    );
    for (const role of ['operator-named-secrets', 'outbox-relay-operator-leader-election']) {
      await kubectl([
        ...['create', 'rolebinding', role, '-n', ns.name, `--role=${role}`],
        `--serviceaccount=${ns.name}:${SA}`,
      ]);
    }
    kubeconfig = await tokenKubeconfig(SA, ns.name, '1h');
    // Present before the operator starts: an unrelated Secret, and those of the first OutboxRelay.
    await kubectl(['apply', '-n', ns.name, '-f', '-'], secret('unrelated-before', { token: 'x' }));
    await kubectl(['apply', '-n', ns.name, '-f', '-'], secret('orders-db', dbData));
    await kubectl(
      ['apply', '-n', ns.name, '-f', '-'],
      secret('orders-kafka', { username: 'u', password: 'sasl' }),
    );
    await kubectl(['apply', '-n', ns.name, '-f', '-'], outboxRelay('orders', 'orders-db', 'orders-kafka'));
    op = await startOperatorProcess({ kubeconfig, namespace: ns.name, identity: 'least-privilege' });
  }, 120_000);

  afterAll(async () => {
    await op?.stop();
    await ns?.remove();
  });

  it('has credentials that may read the named Secrets and may not list Secrets in general', async () => {
    const err = await kubectl(['--kubeconfig', kubeconfig, 'get', 'secrets', '-n', ns.name]).then(
      () => 'listed',
      (e: { output?: string }) => e.output ?? String(e),
    );
    expect(err).toContain('Forbidden');
    const one = await kubectl([
      ...['--kubeconfig', kubeconfig, 'get', 'secrets', '-n', ns.name],
      ...['--field-selector', 'metadata.name=orders-db', '-o', 'name'],
    ]);
    expect(one.trim()).toBe('secret/orders-db');
  });

  it('reconciles an OutboxRelay to its children and Reconciled=True', async () => {
    await eventually('the relay Deployment', () => get('deployment', 'orders-relay'), 60_000);
    await eventually('the cleanup CronJob', () => get('cronjob', 'orders-cleanup'), 60_000);
    const reconciled = await eventually(
      'Reconciled=True',
      async () => {
        const c = await condition('orders', 'Reconciled');
        return c?.status === 'True' ? c : undefined;
      },
      60_000,
    );
    expect(reconciled.reason).not.toMatch(/^Secret/);
    expect(await hash()).toMatch(/^[0-9a-f]{16}$/);
  });

  it('rolls the Deployment when a referenced Secret changes', async () => {
    const before = await hash();
    await kubectl(['apply', '-n', ns.name, '-f', '-'], secret('orders-db', { ...dbData, host: 'db2' }));
    const after = await eventually(
      'a new Secret hash on the pod template',
      async () => {
        const now = await hash();
        return now && now !== before ? now : undefined;
      },
      60_000,
    );
    expect(after).not.toBe(before);
  });

  it('reports a missing Secret as before, and reconciles once it exists', async () => {
    await kubectl(['apply', '-n', ns.name, '-f', '-'], outboxRelay('late', 'late-db'));
    const ready = await eventually(
      'Ready=False SecretNotFound',
      async () => {
        const c = await condition('late', 'Ready');
        return c?.reason === 'SecretNotFound' ? c : undefined;
      },
      60_000,
    );
    expect(ready).toMatchObject({ status: 'False', message: 'Secret late-db not found' });
    await kubectl(['apply', '-n', ns.name, '-f', '-'], secret('late-db', dbData));
    await eventually('the late relay Deployment', () => get('deployment', 'late-relay'), 60_000);
  });

  it('holds only the referenced Secrets, one watch each, and is refused nothing', async () => {
    await kubectl(['apply', '-n', ns.name, '-f', '-'], secret('unrelated-after', { token: 'y' }));
    // A change the operator must see after the unrelated Secret was created: it is live and watching.
    const before = await hash();
    await kubectl(['apply', '-n', ns.name, '-f', '-'], secret('orders-db', { ...dbData, host: 'db3' }));
    await eventually(
      'the Deployment rolled again',
      async () => ((await hash()) !== before ? true : undefined),
      60_000,
    );
    expect(await metric('outbox_operator_cached_objects', 'resource="secrets"')).toBe(3);
    // A watch of each Secret by name: the Role lets it list no others.
    expect(await metric('outbox_operator_secret_watches', 'scope="name"')).toBe(3);
    expect(await metric('outbox_operator_secret_watches', 'scope="namespace"')).toBe(0);
    expect(await metric('outbox_operator_api_refused_total')).toBeUndefined();
    expect(op.output()).not.toContain('Forbidden');
    // The operator's requests counter is live (so the refusal count above is not just absent).
    expect(
      await metric('outbox_operator_api_requests_total', 'verb="APPLY",resource="deployments"'),
    ).toBeGreaterThan(0);
  });

  it('stops watching a Secret no OutboxRelay references any more', async () => {
    await kubectl(['delete', 'outboxrelay', 'late', '-n', ns.name]);
    await eventually(
      'two Secret watches',
      async () => ((await metric('outbox_operator_secret_watches', 'scope="name"')) === 2 ? true : undefined),
      30_000,
    );
    expect(await metric('outbox_operator_cached_objects', 'resource="secrets"')).toBe(2);
  });
});
