// Every YAML example of the docs that is a Kubernetes object, and every sample of config/samples, is what the
// API server accepts: a server-side dry run against the local control plane with the CRD installed, in
// namespaces of the test's own. A Kustomization is built first, and its images and patches are checked in
// what it builds.
import yaml from 'js-yaml';
import type { OutboxRelay } from '../../operator/api/types.js';
import { desiredDeployment } from '../../operator/render/deployment.js';
import { SETTINGS } from '../../relay/config/definitions.js';
import { installCrd, kubectlError, repoRoot } from '../support/operator.js';
import { kubectl } from '../support/servers.js';
import { where } from './blocks.js';
import { docBlocks } from './doc-files.js';
import {
  blockObjects,
  buildKustomization,
  dryRunApply,
  refused,
  stringsOf,
  type KubeObject,
} from './manifests.js';
import { createDocNamespaces, type DocNamespaces } from './namespaces.js';
import { blocksFor } from './runners.js';

const blocks = docBlocks(repoRoot);
const objectBlocks = blocksFor(blocks, 'kubernetes-yaml');
const kustomizations = blocksFor(blocks, 'kustomization');

/** The relay settings an example's comments name (`batchSize: 250 # BATCH_SIZE`). */
function variablesInComments(body: string): string[] {
  const names = new Set(SETTINGS.map((d) => d.name));
  const comments = body.split('\n').map((l) => /\s#\s(.*)$/.exec(l)?.[1] ?? '');
  return [...new Set(comments.flatMap((c) => c.match(/\b[A-Z][A-Z0-9_]+\b/g) ?? []))].filter((v) =>
    names.has(v),
  );
}
const commentedRelays = objectBlocks.filter(
  (b) => variablesInComments(b.body).length > 0 && blockObjects(b).some((o) => o.kind === 'OutboxRelay'),
);

interface Kustomization {
  images?: Array<{ name: string; newName?: string; newTag?: string }>;
  patches?: Array<{ patch: string }>;
}

function images(objects: KubeObject[]): string[] {
  return objects.flatMap((o) => {
    const pod = (o.spec as { template?: { spec?: { containers?: Array<{ image: string }> } } })?.template
      ?.spec;
    return (pod?.containers ?? []).map((c) => c.image);
  });
}

describe('the YAML examples, on the API server', () => {
  let ns: DocNamespaces;

  beforeAll(async () => {
    await installCrd();
    ns = await createDocNamespaces('doc-yaml');
  }, 120_000);

  afterAll(async () => {
    await ns?.remove();
  });

  it('finds the objects of the docs and the samples', () => {
    expect(objectBlocks.map(where)).toEqual(
      expect.arrayContaining(['config/samples/full.yaml:1', 'config/samples/minimal.yaml:1']),
    );
    expect(objectBlocks.filter((b) => b.file === 'docs/deploying.md').length).toBeGreaterThanOrEqual(3);
    expect(kustomizations.map((b) => b.file)).toEqual(
      expect.arrayContaining(['docs/deploying.md', 'config/samples/kustomization.yaml']),
    );
  });

  it.each(objectBlocks.map((b) => [where(b), b] as const))(
    '%s is accepted (server-side dry run)',
    async (_, block) => {
      const objects = blockObjects(block);
      const results = await dryRunApply(objects, ns.map);
      expect(results).toHaveLength(objects.length);
      expect(refused(results)).toEqual([]);
    },
  );

  it.each(kustomizations.map((b) => [where(b), b] as const))(
    '%s builds, with its images and patches, and is accepted (server-side dry run)',
    async (_, block) => {
      const built = await buildKustomization(block);
      const own = yaml.load(block.body) as Kustomization;
      for (const image of own.images ?? []) {
        const name = image.newName ?? image.name;
        expect(images(built).some((i) => i.startsWith(`${name}:`) || i === name)).toBe(true);
      }
      const text = yaml.dump(built);
      for (const patch of own.patches ?? []) {
        for (const value of stringsOf(yaml.load(patch.patch))) expect(text).toContain(value);
      }
      const results = await dryRunApply(built, ns.map);
      expect(results).toHaveLength(built.length);
      expect(refused(results)).toEqual([]);
    },
  );

  it.each(commentedRelays.map((b) => [where(b), b] as const))(
    '%s: the variables its comments name are in the relay Deployment the operator renders from it',
    async (_, block) => {
      const relay = blockObjects(block).find((o) => o.kind === 'OutboxRelay')!;
      const args = [
        'apply',
        '--server-side',
        '--dry-run=server',
        '-n',
        ns.map.default!,
        '-o',
        'json',
        '-f',
        '-',
      ];
      const copy = { ...relay, metadata: { name: relay.metadata.name } };
      const applied = JSON.parse(await kubectl(args, yaml.dump(copy))) as OutboxRelay;
      const deployment = desiredDeployment(
        applied,
        { relayImage: 'kafka-outbox-relay/relay:0.1.0' },
        'hash',
      ) as {
        spec: { template: { spec: { containers: Array<{ env: Array<{ name: string }> }> } } };
      };
      const env = deployment.spec.template.spec.containers[0]!.env.map((e) => e.name);
      expect(variablesInComments(block.body).filter((v) => !env.includes(v))).toEqual([]);
    },
  );

  it('would notice an example the API server refuses (the dry run checks the schema)', async () => {
    const block = objectBlocks.find(
      (b) => b.file === 'docs/deploying.md' && b.body.includes('scram-sha-512'),
    )!;
    const wrong = block.body.replace('mechanism: scram-sha-512', 'mechanism: scram-sha-1');
    expect(wrong).not.toBe(block.body);
    const args = ['apply', '--server-side', '--dry-run=server', '-n', ns.map.shop!, '-f', '-'];
    expect(await kubectlError(args, wrong)).toMatch(/spec\.kafka\.sasl\.mechanism/);
  });

  it('runs a bare spec inside the minimal sample, so a wrong field in it fails too', async () => {
    const part = objectBlocks.find((b) => b.body.startsWith('spec:'))!;
    const objects = blockObjects({ ...part, body: part.body.replace('keys:', 'keyz:') });
    const error = await dryRunApply(objects, ns.map).catch((e: { output?: string }) => e.output ?? String(e));
    expect(String(error)).toMatch(/keyz/);
    expect(await kubectl(['get', 'outboxrelays', '-n', ns.map.default!, '-o', 'name'])).toBe('');
  });
});
