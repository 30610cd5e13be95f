// Flattens the OutboxRelay CRD's OpenAPI schema into one row per field (spec.kafka.tls.enabled, ...),
// with its type, default, constraints and description, for the configuration reference.

export interface SchemaNode {
  type?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
  required?: string[];
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  additionalProperties?: SchemaNode;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-validations'?: Array<{ rule: string; message?: string }>;
}

export interface FieldRow {
  path: string;
  type: string;
  required: boolean;
  default?: unknown;
  constraints: string[];
  description: string;
}

// Patterns longer than this (quantities, names, cron) are described by the field's text instead.
const SHOWN_PATTERN_LENGTH = 40;

function typeOf(node: SchemaNode): string {
  if (node['x-kubernetes-int-or-string']) return 'integer or string';
  if (node.type === 'array') return `array of ${node.items ? typeOf(node.items) : 'any'}`;
  if (node.type === 'object' && node.additionalProperties && !node.properties) {
    return `map of ${typeOf(node.additionalProperties)}`;
  }
  return node.type ?? 'any';
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

function constraintsOf(node: SchemaNode): string[] {
  const out: string[] = [];
  if (node.enum) out.push(`one of ${node.enum.map((v) => `\`${String(v)}\``).join(', ')}`);
  if (node.minimum !== undefined && node.maximum !== undefined)
    out.push(`${node.minimum} to ${node.maximum}`);
  else if (node.minimum !== undefined) out.push(`at least ${node.minimum}`);
  else if (node.maximum !== undefined) out.push(`at most ${node.maximum}`);
  if (node.minLength !== undefined && node.minLength > 0)
    out.push(`at least ${count(node.minLength, 'character')}`);
  if (node.maxLength !== undefined) out.push(`at most ${count(node.maxLength, 'character')}`);
  if (node.minItems !== undefined) out.push(`at least ${count(node.minItems, 'item')}`);
  if (node.maxItems !== undefined) out.push(`at most ${count(node.maxItems, 'item')}`);
  if (node.pattern && node.pattern.length <= SHOWN_PATTERN_LENGTH) out.push(`matches \`${node.pattern}\``);
  for (const v of node['x-kubernetes-validations'] ?? []) if (v.message) out.push(v.message);
  return out;
}

/** Every field under `node`, depth first in schema order; arrays add `[]`, maps `.<key>`. */
export function flattenSchema(node: SchemaNode, prefix: string, required = false): FieldRow[] {
  const rows: FieldRow[] = [
    {
      path: prefix,
      type: typeOf(node),
      required,
      default: node.default,
      constraints: constraintsOf(node),
      description: node.description ?? '',
    },
  ];
  if (node['x-kubernetes-preserve-unknown-fields']) return rows;
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    rows.push(...flattenSchema(child, `${prefix}.${name}`, node.required?.includes(name) ?? false));
  }
  if (node.items?.properties) {
    for (const [name, child] of Object.entries(node.items.properties)) {
      rows.push(...flattenSchema(child, `${prefix}[].${name}`, node.items.required?.includes(name) ?? false));
    }
  }
  if (node.additionalProperties && !node.properties) {
    // A map's values are described by the map's row; only their constraints are worth a row of their own.
    const value = node.additionalProperties;
    if (constraintsOf(value).length > 0 || value.description) {
      rows.push(...flattenSchema(value, `${prefix}.<key>`).slice(0, 1));
    }
  }
  return rows;
}
