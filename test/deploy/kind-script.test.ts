// hack/kind-e2e.sh needs Docker and is not run here; what can be checked without it is: the script
// parses, the files it uses exist, and the API server accepts the manifests it applies.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../tools/devenv/paths.js';
import { run } from '../../tools/devenv/proc.js';
import { installCrd } from '../support/operator.js';
import { IMAGE_PROGRAMS, imageTag } from '../../tools/deploy/images.js';
import { createNamespace, kubectl, type TestNamespace } from '../support/servers.js';

const script = path.join(repoRoot, 'hack/kind-e2e.sh');
const text = readFileSync(script, 'utf8');

describe('hack/kind-e2e.sh', () => {
  let ns: TestNamespace;

  beforeAll(async () => {
    await installCrd();
    ns = await createNamespace('kind-script');
  });

  afterAll(async () => {
    await ns?.remove();
  });

  it('is valid bash', async () => {
    await expect(run('bash', ['-n', script])).resolves.toBe('');
  });

  it('uses files that exist', () => {
    const used = [...text.matchAll(/(?:-f|-k) ((?:hack|config)\/[\w./-]+)|(Dockerfile\.\w+)/g)].map(
      (m) => (m[1] ?? m[2]) as string,
    );
    expect(used).toEqual(
      expect.arrayContaining([
        'Dockerfile.relay',
        'Dockerfile.operator',
        'config/default',
        'hack/kind/outboxrelay.yaml',
      ]),
    );
    expect(used.filter((file) => !existsSync(path.join(repoRoot, file)))).toEqual([]);
  });

  it('deploys the operator manifests and images that the real-node suite runs', () => {
    // test/e2e/real-node.test.ts installs config/default (with the real node's selector) and the images
    // tools/deploy/images.ts builds and tags.
    const overlay = readFileSync(
      path.join(repoRoot, 'test/e2e/operator-on-real-node/kustomization.yaml'),
      'utf8',
    );
    expect(overlay).toMatch(/^\s+- \.\.\/\.\.\/\.\.\/config\/default$/m);
    expect(text).toContain('kubectl apply --server-side -k config/default');
    for (const program of IMAGE_PROGRAMS) {
      expect(text).toContain(
        `-f Dockerfile.${program} -t "${imageTag(program).replace(/:.*/, ':$version')}"`,
      );
    }
  });

  it.each(['postgres.yaml', 'kafka.yaml', 'outboxrelay.yaml'])(
    'applies hack/kind/%s (server-side dry run)',
    async (file) => {
      const out = await kubectl([
        'apply',
        '--dry-run=server',
        '-n',
        ns.name,
        '-f',
        path.join(repoRoot, 'hack/kind', file),
      ]);
      expect(out).toMatch(/\(server dry run\)/);
      expect(out).not.toContain('Warning');
    },
  );
});
