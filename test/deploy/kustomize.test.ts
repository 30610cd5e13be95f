// The kustomize bases of config/ on the local control plane: `kubectl apply -k config/default` is accepted
// by the API server (server-side dry run, through an overlay that moves it into a namespace of this test),
// the samples are created for real, and the operator is deployed with images of the package's version.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { repoRoot } from '../../tools/devenv/paths.js';
import { loadConfig } from '../../operator/config.js';
import { installCrd } from '../support/operator.js';
import { createNamespace, kubectl, uniqueName, type TestNamespace } from '../support/servers.js';

interface Doc {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: Array<{ resources?: string[]; resourceNames?: string[] }>;
  subjects?: Array<{ kind: string; name: string; namespace: string }>;
  spec?: {
    template: {
      spec: {
        containers: Array<{ image: string; args?: string[]; env: Array<{ name: string; value?: string }> }>;
      };
    };
  };
}

const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
const bases = ['crd', 'rbac', 'namespace', 'manager', 'default', 'namespaced', 'samples', 'monitoring'];

/** An overlay of one base of config/ that moves it into a namespace; its folder. */
function overlayOf(base: string, namespace: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'outbox-kustomize-'));
  // kustomize takes only relative paths to a base.
  const resources = [path.relative(dir, path.join(repoRoot, 'config', base))];
  writeFileSync(
    path.join(dir, 'kustomization.yaml'),
    yaml.dump({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', namespace, resources }),
  );
  return dir;
}

describe('config/ with kubectl apply -k', () => {
  let ns: TestNamespace;
  let overlay: string;

  beforeAll(async () => {
    await installCrd();
    ns = await createNamespace('kustomize');
    overlay = mkdtempSync(path.join(os.tmpdir(), 'outbox-kustomize-'));
    // kustomize takes only relative paths to a base.
    const base = path.relative(overlay, path.join(repoRoot, 'config/default'));
    writeFileSync(
      path.join(overlay, 'kustomization.yaml'),
      yaml.dump({
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        namespace: ns.name,
        resources: [base],
      }),
    );
  });

  afterAll(async () => {
    if (overlay) rmSync(overlay, { recursive: true, force: true });
    await ns?.remove();
  });

  it.each(bases)('builds config/%s', async (base) => {
    const built = yaml.loadAll(await kubectl(['kustomize', path.join(repoRoot, 'config', base)])) as Doc[];
    expect(built.length).toBeGreaterThan(0);
  });

  it("deploys the operator and names the relay image, both at the package's version", async () => {
    const built = yaml.loadAll(await kubectl(['kustomize', path.join(repoRoot, 'config/default')])) as Doc[];
    const container = built.find((d) => d.kind === 'Deployment')?.spec?.template.spec.containers[0];
    expect(container?.image).toBe(`kafka-outbox-relay/operator:${pkg.version}`);
    expect(container?.env.find((e) => e.name === 'RELAY_IMAGE')?.value).toBe(
      `kafka-outbox-relay/relay:${pkg.version}`,
    );
  });

  it("builds config/namespaced: config/rbac's rules as a Role and RoleBinding in the watched namespace, no ClusterRole, and WATCH_NAMESPACE naming it", async () => {
    const built = yaml.loadAll(
      await kubectl(['kustomize', path.join(repoRoot, 'config/namespaced')]),
    ) as Doc[];
    const clusterRole = yaml.load(readFileSync(path.join(repoRoot, 'config/rbac/role.yaml'), 'utf8')) as Doc;
    expect(built.filter((d) => d.kind.startsWith('Cluster')).map((d) => d.kind)).toEqual([]);
    const role = built.find((d) => d.kind === 'Role' && d.metadata.name === 'outbox-relay-operator');
    expect(role?.metadata.namespace).toBe('apps');
    expect(role?.rules).toEqual(clusterRole.rules);
    const binding = built.find(
      (d) => d.kind === 'RoleBinding' && d.metadata.name === 'outbox-relay-operator',
    );
    expect(binding?.metadata.namespace).toBe('apps');
    expect(binding?.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'outbox-relay-operator', namespace: 'outbox-system' },
    ]);
    const container = built.find((d) => d.kind === 'Deployment')?.spec?.template.spec.containers[0];
    expect(container?.env.find((e) => e.name === 'WATCH_NAMESPACE')?.value).toBe('apps');
  });

  it('builds the registry overlay docs/deploying.md shows, with both images moved', async () => {
    const doc = readFileSync(path.join(repoRoot, 'docs/deploying.md'), 'utf8');
    const example = /```yaml\n# kustomization.yaml\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(example).toBeDefined();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'outbox-docs-overlay-'));
    try {
      // The example sits next to a copy of the repository named kafka-outbox-relay.
      symlinkSync(repoRoot, path.join(dir, 'kafka-outbox-relay'));
      mkdirSync(path.join(dir, 'overlay'));
      writeFileSync(path.join(dir, 'overlay', 'kustomization.yaml'), example as string);
      const built = yaml.loadAll(await kubectl(['kustomize', path.join(dir, 'overlay')])) as Doc[];
      const container = built.find((d) => d.kind === 'Deployment')?.spec?.template.spec.containers[0];
      expect(container?.image).toMatch(/^registry\.example\.com\/kafka-outbox-relay\/operator:/);
      expect(container?.env.find((e) => e.name === 'RELAY_IMAGE')?.value).toMatch(
        /^registry\.example\.com\/kafka-outbox-relay\/relay:/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is accepted by the API server as a whole (server-side dry run)', async () => {
    const objects = (yaml.loadAll(await kubectl(['kustomize', overlay])) as Doc[]).length;
    const out = await kubectl(['apply', '-k', overlay, '--dry-run=server']);
    const accepted = out.split('\n').filter((l) => l.endsWith('(server dry run)'));
    expect(accepted).toHaveLength(objects);
    expect(out).toContain('deployment.apps/outbox-relay-operator created (server dry run)');
    expect(out).toContain(
      'customresourcedefinition.apiextensions.k8s.io/outboxrelays.outbox.kafka-relay.dev',
    );
    expect(out).not.toContain('Warning');
  });

  it("names the leader Lease after the operator's Deployment: the operator's default, and the one its Role may update", async () => {
    const built = yaml.loadAll(await kubectl(['kustomize', path.join(repoRoot, 'config/default')])) as Doc[];
    const deployment = built.find((d) => d.kind === 'Deployment');
    const args = deployment?.spec?.template.spec.containers[0]?.args ?? [];
    const lease = loadConfig(args, { POD_NAMESPACE: 'outbox-system' }).leaseName;
    expect(lease).toBe(deployment?.metadata.name);
    expect(lease).toBe('outbox-relay-operator');
    const election = built.find((d) => d.kind === 'Role' && d.metadata.name.endsWith('-leader-election'));
    expect(election?.rules?.find((r) => r.resourceNames)?.resourceNames).toEqual([lease]);
  });

  it('passes a server-side dry run on a cluster without its namespace once config/namespace is applied, as docs/deploying.md says', async () => {
    const doc = readFileSync(path.join(repoRoot, 'docs/deploying.md'), 'utf8');
    expect(doc).toContain(
      'kubectl apply --server-side -k config/namespace\nkubectl apply --server-side --dry-run=server -k config/default\n',
    );
    const fresh = uniqueName('t-fresh').slice(0, 63);
    const namespaceOnly = overlayOf('namespace', fresh);
    const everything = overlayOf('default', fresh);
    try {
      expect(await kubectl(['get', 'namespace', fresh, '--ignore-not-found'])).toBe('');
      // Without the namespace, the API server refuses every object in it, dry run or not.
      await expect(kubectl(['apply', '--server-side', '--dry-run=server', '-k', everything])).rejects.toThrow(
        `namespaces "${fresh}" not found`,
      );
      await kubectl(['apply', '--server-side', '-k', namespaceOnly]);
      const objects = (yaml.loadAll(await kubectl(['kustomize', everything])) as Doc[]).length;
      const out = await kubectl(['apply', '--server-side', '--dry-run=server', '-k', everything]);
      expect(out.split('\n').filter((l) => l.endsWith('serverside-applied (server dry run)'))).toHaveLength(
        objects,
      );
      expect(out).toContain('deployment.apps/outbox-relay-operator serverside-applied (server dry run)');
      const labels = JSON.parse(
        await kubectl(['get', 'namespace', fresh, '-o', 'jsonpath={.metadata.labels}']),
      ) as Record<string, string>;
      expect(labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    } finally {
      await kubectl(['delete', 'namespace', fresh, '--wait=false', '--ignore-not-found']);
      for (const dir of [namespaceOnly, everything]) rmSync(dir, { recursive: true, force: true });
    }
  });

  it('creates the samples, which the API server completes with their defaults', async () => {
    const out = await kubectl(['apply', '-k', path.join(repoRoot, 'config/samples'), '-n', ns.name]);
    expect(out).toContain('outboxrelay.outbox.kafka-relay.dev/orders created');
    expect(out).toContain('outboxrelay.outbox.kafka-relay.dev/payments created');
    const orders = JSON.parse(
      await kubectl(['get', 'outboxrelay', 'orders', '-n', ns.name, '-o', 'json']),
    ) as {
      spec: { database: { driver: string; table: string }; kafka: { partitioner: string } };
    };
    expect(orders.spec.database).toMatchObject({ driver: 'postgres', table: 'kafka_outbox' });
    expect(orders.spec.kafka.partitioner).toBe('murmur2');
  });
});
