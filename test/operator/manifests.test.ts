// The operator's own manifests: the kustomize bases build, and the operator's pod passes restricted Pod
// Security admission.
import path from 'node:path';
import { installCrd, repoRoot } from '../support/operator.js';
import { createNamespace, kubectl, type TestNamespace } from '../support/servers.js';

interface Doc {
  kind: string;
  metadata: { name: string };
  spec?: { template: { metadata: Record<string, unknown>; spec: Record<string, unknown> } };
}

describe('config/', () => {
  let ns: TestNamespace;

  beforeAll(async () => {
    await installCrd();
    ns = await createNamespace('operator-manifests');
    await kubectl(['apply', '-n', ns.name, '-f', path.join(repoRoot, 'config/rbac/service_account.yaml')]);
  });

  afterAll(async () => {
    await ns?.remove();
  });

  it('builds config/default into the CRD, the RBAC and the operator Deployment', async () => {
    const built = await kubectl(['kustomize', path.join(repoRoot, 'config/default')]);
    const kinds = [...built.matchAll(/^kind: (\w+)$/gm)].map((m) => m[1]).sort();
    expect(kinds).toEqual([
      'ClusterRole',
      'ClusterRoleBinding',
      'CustomResourceDefinition',
      'Deployment',
      'Namespace',
      'Role',
      'RoleBinding',
      'ServiceAccount',
    ]);
  });

  it("admits the operator's pod in a namespace that enforces the restricted profile", async () => {
    const deployment = JSON.parse(
      await kubectl([
        'create',
        '--dry-run=client',
        '-o',
        'json',
        '-f',
        path.join(repoRoot, 'config/manager/manager.yaml'),
      ]),
    ) as Doc;
    const template = deployment.spec?.template;
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'operator-pod', labels: template?.metadata.labels },
      spec: template?.spec,
    };
    const out = await kubectl(['apply', '--dry-run=server', '-n', ns.name, '-f', '-'], JSON.stringify(pod));
    expect(out).toContain('pod/operator-pod created (server dry run)');
    expect(out).not.toContain('Warning');
  });
});
