// The YAML examples as the API server sees them: a block's objects (a bare `spec:` is the spec of the
// OutboxRelay of config/samples/minimal.yaml, merged over it), a Kustomization built where it says it sits,
// and a server-side dry run of either in the test's namespaces.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { repoRoot } from '../support/operator.js';
import { kubectl } from '../support/servers.js';
import type { Block } from './blocks.js';
import { inTestNamespaces, type NamespaceMap } from './namespace-map.js';

export type KubeObject = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
};

type Json = Record<string, unknown>;

function merged(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const under = out[key];
    const bothObjects = [value, under].every((v) => v && typeof v === 'object' && !Array.isArray(v));
    out[key] = bothObjects ? merged(under as Json, value as Json) : value;
  }
  return out;
}

/** The sample every bare `spec:` block is merged over. */
export function minimalRelay(): KubeObject {
  const docs = yaml.loadAll(readFileSync(path.join(repoRoot, 'config/samples/minimal.yaml'), 'utf8'));
  return (docs as KubeObject[]).find((d) => d?.kind === 'OutboxRelay')!;
}

/** The Kubernetes objects of a YAML block. */
export function blockObjects(block: Block): KubeObject[] {
  return (yaml.loadAll(block.body) as Json[])
    .filter((d) => d && typeof d === 'object')
    .map((d) => (d.kind === undefined ? (merged(minimalRelay(), d) as KubeObject) : (d as KubeObject)));
}

/**
 * `kubectl apply --server-side --dry-run=server` of the objects in the test's namespaces, one apply per
 * namespace (an object without one goes to the default's); each object's name there and what kubectl said
 * of it, in the objects' order. Forced: a dry run takes no field from the objects' real owners.
 */
export async function dryRunApply(
  objects: KubeObject[],
  namespaces: NamespaceMap,
): Promise<Array<{ name: string; line: string }>> {
  const copies = inTestNamespaces(structuredClone(objects), namespaces);
  const groups = new Map<string, KubeObject[]>();
  for (const o of copies) {
    const namespace = o.metadata.namespace ?? namespaces.default!;
    groups.set(namespace, [...(groups.get(namespace) ?? []), o]);
  }
  const lines = new Map<KubeObject, string>();
  const args = [
    'apply',
    '--server-side',
    '--force-conflicts',
    '--field-manager=doc-tests',
    '--dry-run=server',
  ];
  for (const [namespace, group] of groups) {
    const text = group.map((o) => yaml.dump(o)).join('---\n');
    const out = (await kubectl([...args, '-n', namespace, '-f', '-'], text)).trim().split('\n');
    group.forEach((o, i) => lines.set(o, out[i] ?? ''));
    if (out.length !== group.length)
      throw new Error(`kubectl said ${out.length} lines for ${group.length} objects`);
  }
  return copies.map((o) => ({ name: o.metadata.name, line: lines.get(o)! }));
}

/** The applies kubectl did not report as accepted by the dry run (none when all were). */
export function refused(results: Array<{ name: string; line: string }>): string[] {
  return results
    .filter(
      (r) => !new RegExp(`^[a-z0-9.-]+/${r.name} serverside-applied \\(server dry run\\)$`).test(r.line),
    )
    .map((r) => r.line);
}

/**
 * A Kustomization block built where it says it sits: a file of the repository in place; a doc's overlay in
 * a folder of its own beside the repository, under the name its first `../<name>/` resource gives it.
 */
export async function buildKustomization(block: Block): Promise<KubeObject[]> {
  if (block.file.endsWith('kustomization.yaml')) {
    return yaml.loadAll(
      await kubectl(['kustomize', path.join(repoRoot, path.dirname(block.file))]),
    ) as KubeObject[];
  }
  const resources = (yaml.load(block.body) as { resources?: string[] }).resources ?? [];
  const checkout = /^\.\.\/([^/]+)\//.exec(resources.find((r) => r.startsWith('../')) ?? '')?.[1];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'outbox-doc-kustomize-'));
  try {
    if (checkout) symlinkSync(repoRoot, path.join(dir, checkout));
    mkdirSync(path.join(dir, 'overlay'));
    writeFileSync(path.join(dir, 'overlay/kustomization.yaml'), block.body);
    return yaml.loadAll(await kubectl(['kustomize', path.join(dir, 'overlay')])) as KubeObject[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every string of a YAML text but its keys: what a patch puts into the objects it patches. */
export function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (value && typeof value === 'object') return Object.values(value).flatMap(stringsOf);
  return [];
}
