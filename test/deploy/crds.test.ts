// crds/ as users apply it: `kubectl apply -f crds/` must apply CustomResourceDefinitions and nothing else
// (a kustomization.yaml beside the CRD was once sent to the API server as an object of kind Kustomization
// and rejected), and config/crd, the chart and crds/ must all carry the same CRD.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { repoRoot } from '../../tools/devenv/paths.js';
import { kubectl } from '../support/servers.js';

const crds = path.join(repoRoot, 'crds');
/** The files `kubectl apply -f <folder>` reads: it takes these extensions and skips every other file. */
const MANIFEST = /\.(ya?ml|json)$/;
const manifests = readdirSync(crds).filter((name) => MANIFEST.test(name));

interface Doc {
  kind: string;
  metadata: { name: string };
}

describe('crds/', () => {
  it('holds only CustomResourceDefinitions among the files kubectl applies', () => {
    expect(manifests).not.toEqual([]);
    for (const name of manifests) {
      const docs = (yaml.loadAll(readFileSync(path.join(crds, name), 'utf8')) as (Doc | null)[]).filter(
        (d): d is Doc => d !== null,
      );
      expect({ name, kinds: [...new Set(docs.map((d) => d.kind))] }).toEqual({
        name,
        kinds: ['CustomResourceDefinition'],
      });
    }
  });

  it('is applied by `kubectl apply -f crds/` as CRDs only (server-side dry run)', async () => {
    const out = await kubectl([
      'apply',
      '--server-side',
      '--force-conflicts',
      '--field-manager=outbox-tests',
      '--dry-run=server',
      '-f',
      crds,
    ]);
    const applied = out.split('\n').filter((line) => line.trim() !== '');
    expect(applied).toEqual([
      'customresourcedefinition.apiextensions.k8s.io/outboxrelays.outbox.kafka-relay.dev serverside-applied (server dry run)',
    ]);
  });

  it('is what config/crd builds and what the chart installs', async () => {
    const fromCrds = yaml.load(readFileSync(path.join(crds, 'outboxrelays.yaml'), 'utf8'));
    const built = yaml.loadAll(await kubectl(['kustomize', path.join(repoRoot, 'config/crd')]));
    expect(built).toEqual([fromCrds]);
    const chartCrd = path.join(repoRoot, 'charts/kafka-outbox-relay/crds/outboxrelays.yaml');
    // A copy (scripts/chart-files.ts), byte for byte.
    expect(readFileSync(chartCrd, 'utf8')).toBe(readFileSync(path.join(crds, 'outboxrelays.yaml'), 'utf8'));
  });
});
