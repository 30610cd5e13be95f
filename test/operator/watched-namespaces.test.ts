// The operator watching two namespaces (--namespace=a,b) under config/namespaced's rights: the Role and
// RoleBinding of config/rbac/watched-namespace in each, nothing cluster-wide. It reconciles in both, reads
// their Secrets through one metadata watch per namespace, leaves a third namespace alone, and is refused
// nothing.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  installCrd,
  metricValue,
  relayWithSecret,
  repoRoot,
  startOperatorProcess,
  tokenKubeconfig,
  type OperatorProcess,
} from '../support/operator.js';
import { createNamespace, eventually, kubectl, type TestNamespace } from '../support/servers.js';

const SA = 'outbox-relay-operator';
const file = (relative: string) => readFileSync(path.join(repoRoot, relative), 'utf8');

describe('the operator watching a list of namespaces', () => {
  const namespaces: TestNamespace[] = [];
  let op: OperatorProcess;
  const deployment = async (ns: TestNamespace, name: string) =>
    (
      await kubectl(['get', 'deployment', `${name}-relay`, '-n', ns.name, '--ignore-not-found', '-o', 'name'])
    ).trim();

  beforeAll(async () => {
    await installCrd();
    for (const prefix of ['watched-a', 'watched-b', 'unwatched'])
      namespaces.push(await createNamespace(prefix));
    const [a, b, other] = namespaces as [TestNamespace, TestNamespace, TestNamespace];
    await kubectl(['create', 'serviceaccount', SA, '-n', a.name]);
    await kubectl(['apply', '-n', a.name, '-f', '-'], file('config/rbac/leader_election_role.yaml'));
    await kubectl([
      ...['create', 'rolebinding', 'leader-election', '-n', a.name],
      ...['--role=outbox-relay-operator-leader-election', `--serviceaccount=${a.name}:${SA}`],
    ]);
    // The watched-namespace Role and its RoleBinding, whose subject is moved to this test's account.
    const binding = file('config/rbac/watched-namespace/role_binding.yaml').replace(
      'namespace: outbox-system',
      `namespace: ${a.name}`,
    );
    for (const ns of [a, b]) {
      await kubectl(['apply', '-n', ns.name, '-f', '-'], file('config/rbac/watched-namespace/role.yaml'));
      await kubectl(['apply', '-n', ns.name, '-f', '-'], binding);
    }
    for (const ns of [a, b, other])
      await kubectl(['apply', '-n', ns.name, '-f', '-'], relayWithSecret('orders'));
    op = await startOperatorProcess({
      kubeconfig: await tokenKubeconfig(SA, a.name, '1h'),
      namespace: `${a.name},${b.name}`,
      leaseNamespace: a.name,
      identity: 'watched-namespaces',
    });
  }, 120_000);

  afterAll(async () => {
    await op?.stop();
    await Promise.all(namespaces.map((ns) => ns.remove()));
  });

  it('has no right outside the watched namespaces', async () => {
    const [a, , other] = namespaces as [TestNamespace, TestNamespace, TestNamespace];
    const as = `system:serviceaccount:${a.name}:${SA}`;
    const can = async (ns: string) =>
      (
        await kubectl(['auth', 'can-i', 'list', 'secrets', '-n', ns, '--as', as]).catch(
          (e: { output?: string }) => e.output ?? '',
        )
      )
        .trim()
        .split('\n')[0];
    expect(await can(a.name)).toBe('yes');
    expect(await can(other.name)).toBe('no');
  });

  it("reconciles the OutboxRelays of both watched namespaces, reading each one's Secrets by one metadata watch", async () => {
    const [a, b, other] = namespaces as [TestNamespace, TestNamespace, TestNamespace];
    for (const ns of [a, b]) {
      await eventually(
        `the Deployment in ${ns.name}`,
        async () => (await deployment(ns, 'orders')) || undefined,
        60_000,
      );
    }
    const metrics = await op.metrics();
    expect(metricValue(metrics, 'outbox_operator_secret_watches', 'scope="namespace"')).toBe(2);
    expect(metricValue(metrics, 'outbox_operator_secret_watches', 'scope="name"')).toBe(0);
    expect(metricValue(metrics, 'outbox_operator_cached_objects', 'resource="secrets"')).toBe(2);
    expect(metricValue(metrics, 'outbox_operator_cached_objects', 'resource="outboxrelays"')).toBe(2);
    expect(metricValue(metrics, 'outbox_operator_api_refused_total')).toBeUndefined();
    // The third namespace's OutboxRelay is not the operator's: no child, no status.
    expect(await deployment(other, 'orders')).toBe('');
    const status = await kubectl([
      'get',
      'outboxrelay',
      'orders',
      '-n',
      other.name,
      '-o',
      'jsonpath={.status}',
    ]);
    expect(status.trim()).toBe('');
  });
});
