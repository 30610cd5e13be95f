// Every field of the OutboxRelay CRD, set on its own: the relay variables the operator renders change only
// when the field is one the settings table names (relay/config/fields.ts), and then only that variable. A
// field the operator starts to render into a variable without a definition of its own fails here.
import { maintenanceEnv, runEnv } from '../../operator/render/relay-env.js';
import type { OutboxRelay } from '../../operator/api/types.js';
import { SHARED, specWith } from '../testing/boundary-cases.js';
import { crdSchema } from '../testing/crd-validator.js';

interface Node {
  type?: string;
  default?: unknown;
  enum?: unknown[];
  pattern?: string;
  properties?: Record<string, Node>;
  items?: Node;
}

/** Each field of scalar values (or a list of them) under `node`, by path. */
function leaves(node: Node, path: string): Array<[string, Node]> {
  if (node.properties) {
    return Object.entries(node.properties).flatMap(([key, child]) => leaves(child, `${path}.${key}`));
  }
  const scalar = (n: Node | undefined) => ['boolean', 'integer', 'string'].includes(n?.type ?? '');
  return scalar(node) || (node.type === 'array' && scalar(node.items)) ? [[path, node]] : [];
}

function plainEnv(spec: Record<string, unknown>): Map<string, string> {
  const relay: OutboxRelay = {
    apiVersion: 'outbox.kafka-relay.dev/v1alpha1',
    kind: 'OutboxRelay',
    metadata: { name: 'fields', namespace: 'default' },
    spec: spec as unknown as OutboxRelay['spec'],
  };
  const env = [...runEnv(relay), ...maintenanceEnv(relay, 'cleanup'), ...maintenanceEnv(relay, 'optimize')];
  // *_FILE variables are the paths Secrets are mounted at, not values of the resource.
  return new Map(
    env
      .filter((e) => e.value !== undefined && !e.name.endsWith('_FILE'))
      .map((e) => [e.name, e.value as string]),
  );
}

const CANDIDATES = ['7m', 'x1', 'a1:9093'];

/** The value at `path` of a spec. */
function valueAt(spec: Record<string, unknown>, path: string): unknown {
  return path
    .split('.')
    .slice(1)
    .reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], spec);
}

/** A value of the field that is neither its default nor what the base spec has. */
function sample(field: Node, current: unknown): unknown {
  const node = field.type === 'array' ? (field.items as Node) : field;
  let value: unknown;
  if (node.type === 'boolean') value = (current ?? node.default) !== true;
  else if (node.type === 'integer') value = typeof node.default === 'number' ? node.default + 1 : 2;
  else if (node.enum) value = node.enum.find((v) => v !== node.default);
  else value = CANDIDATES.find((c) => !node.pattern || new RegExp(node.pattern).test(c)) ?? 'x1';
  return field.type === 'array' ? [value] : value;
}

const spec = (crdSchema() as Node).properties?.spec as Node;
const fields = leaves(spec, 'spec');

describe('each OutboxRelay field set on its own', () => {
  const base = specWith('spec.paused', false);
  const before = plainEnv(base);

  it('covers the fields the settings table names', () => {
    expect(fields.length).toBeGreaterThan(40);
    for (const def of SHARED) expect(fields.map(([path]) => path)).toContain(def.field?.path);
  });

  it.each(fields)('%s', (path, node) => {
    const after = plainEnv({ ...specWith(path, sample(node, valueAt(base, path))), paused: false });
    const changed = [...new Set([...before.keys(), ...after.keys()])].filter(
      (name) => before.get(name) !== after.get(name),
    );
    const shared = SHARED.find((d) => d.field?.path === path);
    expect({ path, changed }).toEqual({ path, changed: shared ? [shared.name] : [] });
  });
});
