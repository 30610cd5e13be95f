// The CRD's schema of the OutboxRelay field a setting comes from, built from the setting's own type, so
// that the API server refuses what the relay would refuse, with the same words (schema.ts `accepts`).
// scripts/generate-crd.ts writes these nodes into crds/outboxrelays.yaml.
import { durationPattern, formatDuration, UNIT_MS } from './durations.js';
import { accepts, durationBounds } from './schema.js';
import type { DurationUnit, SettingDefinition, SettingType } from './setting-types.js';

/** At most 9 digits and a two-letter unit. */
const DURATION_MAX_LENGTH = 11;

/** The field's milliseconds in CEL: the number times its unit's size. */
function celMilliseconds(units: readonly DurationUnit[]): string {
  const number = (suffix: number) => `int(self.substring(0, size(self) - ${suffix}))`;
  const rest = units.filter((u) => u !== 'ms');
  let factor = String(UNIT_MS[rest[rest.length - 1] as DurationUnit]);
  for (const unit of rest.slice(0, -1).reverse()) {
    factor = `(self.endsWith('${unit}') ? ${UNIT_MS[unit]} : ${factor})`;
  }
  const other = rest.length > 0 ? `${number(1)} * ${factor}` : number(2);
  return units.includes('ms') ? `(self.endsWith('ms') ? ${number(2)} : ${other})` : `(${other})`;
}

interface DurationField {
  units: readonly DurationUnit[];
  minimum: number;
  maximum: number;
}

function durationField(def: SettingDefinition): DurationField | undefined {
  const { type, field } = def;
  if (type.kind === 'duration') {
    const [minimum, maximum] = durationBounds(type);
    return { units: type.units, minimum, maximum };
  }
  if (type.kind === 'integer' && field?.durationUnits) {
    return { units: field.durationUnits, minimum: type.minimum, maximum: type.maximum };
  }
  return undefined;
}

/** What the field accepts, in words: the variable's, in the field's form (a duration, JSON true/false). */
export function fieldAccepts(def: SettingDefinition): string {
  const duration = durationField(def);
  if (duration && def.type.kind !== 'duration') {
    const { minimum, maximum, units } = duration;
    return `a duration from ${formatDuration(minimum, units)} to ${formatDuration(maximum, units)} (a whole number and one of the units ${units.join(', ')})`;
  }
  if (def.type.kind === 'boolean') return 'true or false';
  if (def.type.kind === 'enum') return `one of ${def.type.values.join(', ')}`;
  if (def.type.kind === 'list' && def.type.item) {
    const most = def.type.maxItems === undefined ? '' : `, at most ${def.type.maxItems}`;
    return `a list of ${def.type.item.means}, none repeated${most}`;
  }
  return accepts(def.type);
}

function durationSchema(path: string, d: DurationField, what: string): Record<string, unknown> {
  const pattern = durationPattern(d.units);
  const ms = celMilliseconds(d.units);
  return {
    type: 'string',
    maxLength: DURATION_MAX_LENGTH,
    pattern,
    'x-kubernetes-validations': [
      {
        rule: `!self.matches('${pattern}') || (${ms} >= ${d.minimum} && ${ms} <= ${d.maximum})`,
        message: `${path} must be ${what}`,
      },
    ],
  };
}

function valueSchema(type: SettingType): Record<string, unknown> {
  switch (type.kind) {
    case 'integer':
      return { type: 'integer', minimum: type.minimum, maximum: type.maximum };
    case 'boolean':
      return { type: 'boolean' };
    case 'enum':
      return { type: 'string', enum: [...type.values] };
    case 'string': {
      const schema: Record<string, unknown> = { type: 'string' };
      if (type.minLength) schema.minLength = type.minLength;
      if (type.maxLength !== undefined) schema.maxLength = type.maxLength;
      if (type.match) schema.pattern = type.match.pattern;
      return schema;
    }
    default:
      throw new Error(`a ${type.kind} setting has no field form`);
  }
}

function listSchema(def: SettingDefinition, type: Extract<SettingType, { kind: 'list' }>) {
  const item: Record<string, unknown> = { type: 'string' };
  if (def.field?.itemDescription) item.description = def.field.itemDescription;
  if (type.item) Object.assign(item, { maxLength: type.item.maxLength, pattern: type.item.pattern });
  const schema: Record<string, unknown> = { type: 'array', minItems: 1 };
  if (type.maxItems !== undefined) schema.maxItems = type.maxItems;
  return { ...schema, items: item };
}

/** The CRD schema node of the setting's field (undefined when the setting has no field). */
export function fieldSchema(def: SettingDefinition): Record<string, unknown> | undefined {
  const { field } = def;
  if (!field) return undefined;
  const what = fieldAccepts(def);
  const duration = durationField(def);
  let values: Record<string, unknown>;
  if (duration) values = durationSchema(field.path, duration, what);
  else if (def.type.kind === 'list') values = listSchema(def, def.type);
  else values = valueSchema(def.type);
  const { type, ...constraints } = values;
  const node: Record<string, unknown> = {
    type,
    ...field.extra,
    description: `${field.description ?? def.description} Accepts ${what}. Relay variable: ${def.name}.`,
  };
  if (field.default !== undefined) node.default = field.default;
  return { ...node, ...constraints };
}
