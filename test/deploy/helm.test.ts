// The Helm chart (charts/kafka-outbox-relay): helm lints it, renders the operator with config/rbac's rules
// and the package's version, the API server accepts everything it renders (monitoring and an OutboxRelay
// included), and `helm install` brings the operator up on the local control plane.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { repoRoot } from '../../tools/devenv/paths.js';
import { CommandError } from '../../tools/devenv/proc.js';
import { localHelm, type Helm } from '../support/helm.js';
import { installCrd } from '../support/operator.js';
import { createNamespace, eventually, kubectl, uniqueName, type TestNamespace } from '../support/servers.js';
import { installMonitoringCrds } from '../../tools/deploy/cluster.js';
import { loadConfig } from '../../operator/config.js';

interface Doc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  rules?: Array<{ resources: string[]; resourceNames?: string[] }>;
  subjects?: Array<{ kind: string; name: string; namespace: string }>;
  spec?: {
    template: {
      spec: {
        containers: Array<{ image: string; args: string[]; env: Array<{ name: string; value?: string }> }>;
      };
    };
  };
}

const chart = path.join(repoRoot, 'charts/kafka-outbox-relay');
const readme = readFileSync(path.join(chart, 'README.md'), 'utf8');

/** The README's commands that make the release's namespace, for a namespace of the caller's. */
function namespaceCommands(namespace: string): string[][] {
  const block = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  return block
    .split('\n')
    .filter((line) => line.startsWith('kubectl '))
    .map((line) => line.replaceAll('outbox-system', namespace).split(' ').slice(1));
}
const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
const everything = [
  'monitoring.podMonitors.enabled=true',
  'monitoring.prometheusRule.enabled=true',
  'monitoring.dashboard.enabled=true',
  'outboxRelay.enabled=true',
];

let helmCli: Helm | undefined;
const helm = (args: string[]) => {
  if (!helmCli) throw new Error('helm is not set up yet');
  return helmCli(args);
};

async function template(namespace: string, sets: string[] = []): Promise<Doc[]> {
  const out = await helm([
    'template',
    'orders',
    chart,
    '--namespace',
    namespace,
    '--include-crds',
    ...sets.flatMap((s) => ['--set', s]),
  ]);
  return (yaml.loadAll(out) as Array<Doc | null>).filter((d): d is Doc => d !== null);
}

describe('the Helm chart', () => {
  beforeAll(async () => {
    // Built from its Go module on first use (a few minutes), then taken from the cache.
    helmCli = await localHelm();
  }, 1_800_000);

  afterAll(() => {
    helmCli?.dispose();
  });

  it('passes helm lint', async () => {
    // Offline, with no --kube-version: helm assumes the Kubernetes of its own release (1.34 for 3.19).
    const out = await helm(['lint', '--strict', chart]);
    expect(out).toContain('1 chart(s) linted, 0 chart(s) failed');
  });

  it("carries the package's version", () => {
    const meta = yaml.load(readFileSync(path.join(chart, 'Chart.yaml'), 'utf8')) as {
      version: string;
      appVersion: string;
    };
    expect(meta.appVersion).toBe(pkg.version);
    expect(meta.version).toBe(pkg.version);
  });

  it('renders the CRD, the RBAC of config/rbac and the operator with its relay image', async () => {
    const docs = await template('outbox-system');
    expect(docs.map((d) => d.kind).sort()).toEqual([
      'ClusterRole',
      'ClusterRoleBinding',
      'CustomResourceDefinition',
      'Deployment',
      'Role',
      'RoleBinding',
      'ServiceAccount',
    ]);
    const crd = docs.find((d) => d.kind === 'CustomResourceDefinition');
    expect(crd).toEqual(yaml.load(readFileSync(path.join(repoRoot, 'crds/outboxrelays.yaml'), 'utf8')));
    const role = yaml.load(readFileSync(path.join(repoRoot, 'config/rbac/role.yaml'), 'utf8')) as Doc;
    expect(docs.find((d) => d.kind === 'ClusterRole')?.rules).toEqual(role.rules);
    const container = docs.find((d) => d.kind === 'Deployment')?.spec?.template.spec.containers[0];
    expect(container?.image).toBe(`kafka-outbox-relay/operator:${pkg.version}`);
    expect(container?.env.find((e) => e.name === 'RELAY_IMAGE')?.value).toBe(
      `kafka-outbox-relay/relay:${pkg.version}`,
    );
    expect(container?.args).toContain('--lease-name=orders-kafka-outbox-relay');
  });

  it("names the leader Lease after the operator's Deployment, the one name its leader-election Role may update", async () => {
    const docs = await template('outbox-system');
    const deployment = docs.find((d) => d.kind === 'Deployment');
    const args = deployment?.spec?.template.spec.containers[0]?.args ?? [];
    const lease = loadConfig(args, { POD_NAMESPACE: 'outbox-system' }).leaseName;
    expect(lease).toBe(deployment?.metadata.name);
    const election = docs.find((d) => d.kind === 'Role' && d.metadata.name.endsWith('-leader-election'));
    expect(election?.rules?.find((r) => r.resourceNames)?.resourceNames).toEqual([lease]);
    expect(readme).toContain(
      `the release's full name (\`outbox-kafka-outbox-relay\` above), passed as\n\`--lease-name\``,
    );
  });

  it("with watchNamespaces, grants the operator config/rbac's rules by a Role and RoleBinding in each watched namespace and no ClusterRole", async () => {
    const docs = await template('outbox-system', [
      'watchNamespaces={shop,billing}',
      'rbac.secretNames.shop={orders-db,orders-kafka}',
    ]);
    expect(docs.filter((d) => d.kind.startsWith('Cluster')).map((d) => d.kind)).toEqual([]);
    const role = yaml.load(readFileSync(path.join(repoRoot, 'config/rbac/role.yaml'), 'utf8')) as Doc;
    const operatorRole = (ns: string) =>
      docs.find(
        (d) => d.kind === 'Role' && d.metadata.namespace === ns && !d.metadata.name.endsWith('-election'),
      );
    expect(operatorRole('billing')?.rules).toEqual(role.rules);
    // Where the Secrets are named, only those: the operator reads each by name.
    const named = (role.rules ?? []).map((r) =>
      r.resources.includes('secrets') ? { ...r, resourceNames: ['orders-db', 'orders-kafka'] } : r,
    );
    expect(operatorRole('shop')?.rules).toEqual(named);
    for (const ns of ['shop', 'billing']) {
      const binding = docs.find((d) => d.kind === 'RoleBinding' && d.metadata.namespace === ns);
      expect(binding?.subjects).toEqual([
        { kind: 'ServiceAccount', name: 'orders-kafka-outbox-relay', namespace: 'outbox-system' },
      ]);
    }
    const container = docs.find((d) => d.kind === 'Deployment')?.spec?.template.spec.containers[0];
    expect(container?.args).toContain('--namespace=shop,billing');
  });

  it('renders the monitoring objects from config/monitoring and an OutboxRelay when asked', async () => {
    const docs = await template('outbox-system', [...everything, 'watchNamespace=shop']);
    expect(docs.map((d) => d.kind)).toEqual(
      expect.arrayContaining(['PodMonitor', 'PrometheusRule', 'ConfigMap', 'OutboxRelay']),
    );
    const rule = yaml.load(
      readFileSync(path.join(repoRoot, 'config/monitoring/prometheusrule.yaml'), 'utf8'),
    ) as {
      spec: unknown;
    };
    expect((docs.find((d) => d.kind === 'PrometheusRule') as unknown as { spec: unknown }).spec).toEqual(
      rule.spec,
    );
    const container = docs.find((d) => d.kind === 'Deployment')?.spec?.template.spec.containers[0];
    expect(container?.args).toContain('--namespace=shop');
  });

  describe('on the local control plane', () => {
    let ns: TestNamespace;

    beforeAll(async () => {
      await installCrd();
      await installMonitoringCrds();
      ns = await createNamespace('helm');
    });

    afterAll(async () => {
      await ns?.remove();
    });

    it('accepts everything the chart renders (server-side dry run)', async () => {
      const docs = (await template(ns.name, everything)).map((d) =>
        d.kind === 'CustomResourceDefinition' || d.kind.startsWith('Cluster')
          ? d
          : { ...d, metadata: { ...d.metadata, namespace: ns.name } },
      );
      const out = await kubectl(
        ['apply', '--dry-run=server', '-n', ns.name, '-f', '-'],
        docs.map((d) => yaml.dump(d)).join('---\n'),
      );
      const accepted = out.split('\n').filter((l) => l.includes('(server dry run)'));
      expect(accepted).toHaveLength(docs.length);
      expect(out).not.toContain('Warning');
    });

    it("installs with helm install in a namespace made as the chart's README says, labelled as config/namespace, the operator becomes available, and uninstalls", async () => {
      const release = uniqueName('rel');
      const own = uniqueName('t-helm-readme').slice(0, 63);
      const commands = namespaceCommands(own);
      expect(commands.map((c) => c.slice(0, 2))).toEqual([
        ['create', 'namespace'],
        ['label', 'namespace'],
      ]);
      try {
        for (const args of commands) await kubectl(args);
        const labels = JSON.parse(
          await kubectl(['get', 'namespace', own, '-o', 'jsonpath={.metadata.labels}']),
        ) as Record<string, string>;
        const base = yaml.load(
          readFileSync(path.join(repoRoot, 'config/namespace/namespace.yaml'), 'utf8'),
        ) as Doc;
        const podSecurity = (l: Record<string, string> = {}) =>
          Object.fromEntries(Object.entries(l).filter(([k]) => k.startsWith('pod-security.kubernetes.io/')));
        expect(podSecurity(labels)).toEqual(podSecurity(base.metadata.labels));
        expect(podSecurity(labels)).toEqual({ 'pod-security.kubernetes.io/enforce': 'restricted' });
        await helm(['install', release, chart, '--namespace', own, '--wait', '--timeout', '2m']);
        const available = await eventually('the operator Deployment to be available', async () => {
          const out = await kubectl([
            'get',
            'deployment',
            `${release}-kafka-outbox-relay`,
            '-n',
            own,
            '-o',
            'jsonpath={.status.availableReplicas}',
          ]);
          return out.trim() === '2' ? out : undefined;
        });
        expect(available).toBe('2');
        const roles = await kubectl(['get', 'clusterrole', `${release}-kafka-outbox-relay`, '-o', 'name']);
        expect(roles.trim()).toBe(`clusterrole.rbac.authorization.k8s.io/${release}-kafka-outbox-relay`);
      } finally {
        await helm(['uninstall', release, '--namespace', own, '--wait']).catch((error: unknown) => {
          if (!(error instanceof CommandError)) throw error;
        });
        await kubectl(['delete', 'namespace', own, '--wait=false', '--ignore-not-found']);
      }
      const left = await kubectl([
        'get',
        'clusterrole',
        `${release}-kafka-outbox-relay`,
        '--ignore-not-found',
      ]);
      expect(left.trim()).toBe('');
    });
  });
});
