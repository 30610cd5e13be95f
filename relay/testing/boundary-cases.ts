// The values at the edges of every setting an OutboxRelay field becomes: each one written as the field
// takes it and as the operator renders it into the variable, and whether both must accept it. Walked by
// relay/config/bounds.test.ts (the CRD's schema with ajv, the variable parser) and
// test/crd/setting-bounds.test.ts (the API server itself).
import { SETTINGS } from '../config/definitions.js';
import { formatDuration, parseDuration } from '../config/durations.js';
import type { SettingDefinition } from '../config/setting-types.js';

export interface BoundaryCase {
  variable: string;
  field: string;
  /** The field's value in the resource. */
  value: unknown;
  /** The variable's text for that value, as the operator renders it; null: none (empty is unset). */
  text: string | null;
  accepted: boolean;
}

/** Values a pattern must take and refuse (the lengths and counts come from the type). */
export const PATTERN_EXAMPLES: Readonly<Record<string, { accepted: string[]; refused: string[] }>> = {
  OUTBOX_TABLE: {
    accepted: ['_', 'Outbox_2', 'kafka_outbox'],
    refused: ['2outbox', 'shop.outbox', 'drop table', 'out-box', 'outbox;'],
  },
  KAFKA_HOST: {
    accepted: [
      'k:1',
      'k:65535',
      'kafka-0.kafka.svc:9092',
      '10.0.0.1:9092',
      '[::1]:9092',
      '[fe80::1:2]:9093',
      '[2001:db8:0:0:0:0:0:1]:9092',
    ],
    refused: [
      'nocolon',
      'k:0',
      'k:65536',
      'k:99999',
      'k:09092',
      ':9092',
      '-k:9092',
      '::1:9092',
      '[::1]',
      '[::1]:',
      '[zz::1]:9092',
      'k:9092/x',
    ],
  },
};

/** The shared settings: those with an OutboxRelay field. */
export const SHARED = SETTINGS.filter((d) => d.field !== undefined);

const pair = (
  def: SettingDefinition,
  value: unknown,
  text: string | null,
  accepted: boolean,
): BoundaryCase => ({
  variable: def.name,
  field: def.field?.path as string,
  value,
  text,
  accepted,
});

function integerCases(def: SettingDefinition, min: number, max: number): BoundaryCase[] {
  const units = def.field?.durationUnits;
  const edges: Array<[number, boolean]> = [
    [min - 1, false],
    [min, true],
    [max, true],
    [max + 1, false],
  ];
  if (!units) {
    return [...edges.map(([n, ok]) => pair(def, n, String(n), ok)), pair(def, 1.5, '1.5', false)];
  }
  return [
    ...edges.filter(([n]) => n >= 0).map(([n, ok]) => pair(def, `${n}ms`, String(n), ok)),
    pair(def, formatDuration(min, units), String(min), true),
    pair(def, formatDuration(max, units), String(max), true),
    pair(def, 'often', 'often', false),
  ];
}

function durationCases(def: SettingDefinition, units: readonly string[], min: string, max: string) {
  const edges = [min, max].map((text) => /^([0-9]+)(\D+)$/.exec(text) as RegExpExecArray);
  const [minN, minUnit] = [Number(edges[0]?.[1]), edges[0]?.[2] as string];
  const [maxN, maxUnit] = [Number(edges[1]?.[1]), edges[1]?.[2] as string];
  const smallest = units[units.length - 1] ?? 'ms';
  const minMs = parseDuration(min) as number;
  const below = `${minMs / (parseDuration(`1${smallest}`) as number) - 1}${smallest}`;
  const values: Array<[string, boolean]> = [
    [below, false],
    [`${minN}${minUnit}`, true],
    [`${maxN}${maxUnit}`, true],
    [`${maxN + 1}${maxUnit}`, false],
    [`0${smallest}`, false],
    ['1w', false],
    ['1 h', false],
  ];
  if (!units.includes('ms')) values.push(['3600000ms', false]);
  return values.map(([v, ok]) => pair(def, v, v, ok));
}

function stringCases(def: SettingDefinition): BoundaryCase[] {
  if (def.type.kind !== 'string') return [];
  const { minLength = 0, maxLength } = def.type;
  const cases: BoundaryCase[] = [];
  if (minLength > 0) {
    const shorter = 'a'.repeat(minLength - 1);
    // An empty variable with a default is unset, so the field's empty value has no variable to match.
    cases.push(pair(def, shorter, shorter === '' && def.default !== undefined ? null : shorter, false));
  }
  cases.push(pair(def, 'a'.repeat(Math.max(minLength, 1)), 'a'.repeat(Math.max(minLength, 1)), true));
  if (maxLength !== undefined) {
    cases.push(pair(def, 'a'.repeat(maxLength), 'a'.repeat(maxLength), true));
    cases.push(pair(def, 'a'.repeat(maxLength + 1), 'a'.repeat(maxLength + 1), false));
  }
  const examples = PATTERN_EXAMPLES[def.name];
  for (const v of examples?.accepted ?? []) cases.push(pair(def, v, v, true));
  for (const v of examples?.refused ?? []) cases.push(pair(def, v, v, false));
  return cases;
}

function listCases(def: SettingDefinition): BoundaryCase[] {
  if (def.type.kind !== 'list') return [];
  const list = (values: string[], ok: boolean) => pair(def, values, values.join(','), ok);
  const examples = PATTERN_EXAMPLES[def.name] ?? { accepted: ['a'], refused: [] };
  const first = examples.accepted[0] as string;
  const cases = [list([first], true), list([first, first], false)];
  if (def.type.maxItems !== undefined) {
    const many = (n: number) => Array.from({ length: n }, (_, i) => `k${i}:9092`);
    cases.push(list(many(def.type.maxItems), true), list(many(def.type.maxItems + 1), false));
  }
  if (def.type.item) {
    const host = (n: number) => `${'a'.repeat(n - ':9092'.length)}:9092`;
    cases.push(list([host(def.type.item.maxLength)], true), list([host(def.type.item.maxLength + 1)], false));
  }
  for (const v of examples.accepted) cases.push(list([v], true));
  for (const v of examples.refused) cases.push(list([v], false));
  return cases;
}

/** Every boundary of one shared setting. */
export function boundaryCases(def: SettingDefinition): BoundaryCase[] {
  const { type } = def;
  switch (type.kind) {
    case 'integer':
      return integerCases(def, type.minimum, type.maximum);
    case 'duration':
      return durationCases(def, type.units, type.minimum, type.maximum);
    case 'boolean':
      return [pair(def, true, 'true', true), pair(def, false, 'false', true)];
    case 'enum':
      return [
        ...type.values.map((v) => pair(def, v, v, true)),
        pair(def, 'unknown', 'unknown', false),
        pair(def, (type.values[0] as string).toUpperCase(), (type.values[0] as string).toUpperCase(), false),
      ];
    case 'string':
      return stringCases(def);
    case 'list':
      return listCases(def);
    default:
      throw new Error(`${def.name}: a ${type.kind} setting has no field form`);
  }
}

/** A resource's spec valid but for the case's field, which `set` writes at its path. */
export function specWith(path: string, value: unknown): Record<string, unknown> {
  const spec: Record<string, unknown> = {
    database: { secretRef: { name: 'db' }, tls: { enabled: true } },
    kafka: {
      brokers: ['kafka-0.kafka:9092'],
      tls: { enabled: true },
      sasl: { mechanism: 'scram-sha-512', secretRef: { name: 'kafka' } },
    },
  };
  const keys = path.split('.').slice(1);
  let at = spec;
  for (const key of keys.slice(0, -1)) {
    at[key] ??= {};
    at = at[key] as Record<string, unknown>;
  }
  at[keys[keys.length - 1] as string] = value;
  return spec;
}

/** The environment of a relay valid but for the case's variable. */
export function envWith(variable: string, text: string): Record<string, string> {
  return {
    DB_HOST: 'db',
    DB_USER: 'app',
    DB_NAME: 'shop',
    DB_DRIVER: 'postgres',
    KAFKA_HOST: 'kafka-0.kafka:9092',
    TLS_ENABLE: 'true',
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
    KAFKA_SASL_USERNAME: 'relay',
    KAFKA_SASL_PASSWORD: 'secret',
    [variable]: text,
  };
}
