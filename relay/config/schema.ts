// Builds the ajv JSON schema and the "what it accepts" text of each setting from the definition table.
// Settings that depend on each other are the rules' business (rules.ts), checked after the schema. The
// CRD's schema of a setting's field is built from the same type (field-schema.ts), with the same words.
import type { Command } from './cli.js';
import { durationPattern, formatDuration, parseDuration } from './durations.js';
import type { SettingDefinition, SettingType } from './setting-types.js';

/** The ajv keyword (parse.ts) that bounds a duration: [minimum, maximum] in milliseconds. */
export const DURATION_RANGE = 'durationRange';

export function durationBounds(type: Extract<SettingType, { kind: 'duration' }>): [number, number] {
  const bound = (text: string) => {
    const ms = parseDuration(text, type.units);
    if (ms === undefined) throw new Error(`not a duration in ${type.units.join(', ')}: ${text}`);
    return ms;
  };
  return [bound(type.minimum), bound(type.maximum)];
}

export function schemaOf(type: SettingType): Record<string, unknown> {
  switch (type.kind) {
    case 'string': {
      const schema: Record<string, unknown> = { type: 'string', minLength: type.minLength ?? 0 };
      if (type.maxLength !== undefined) schema.maxLength = type.maxLength;
      if (type.match) schema.pattern = type.match.pattern;
      return schema;
    }
    case 'integer':
      return { type: 'integer', minimum: type.minimum, maximum: type.maximum };
    case 'boolean':
      return { type: 'boolean' };
    case 'enum':
      return { type: 'string', enum: [...type.values, ...(type.aliases ?? [])] };
    case 'list': {
      const item: Record<string, unknown> = { type: 'string', minLength: 1 };
      if (type.item) Object.assign(item, { maxLength: type.item.maxLength, pattern: type.item.pattern });
      const schema: Record<string, unknown> = { type: 'array', minItems: 1, uniqueItems: true, items: item };
      if (type.maxItems !== undefined) schema.maxItems = type.maxItems;
      return schema;
    }
    case 'duration':
      return { type: 'string', pattern: durationPattern(type.units), [DURATION_RANGE]: durationBounds(type) };
    case 'url':
      return { type: 'string', pattern: '^https?://[^\\s]+$' };
    case 'file':
      return { type: 'string', minLength: 1 };
  }
}

function listAccepts(type: Extract<SettingType, { kind: 'list' }>): string {
  const of = type.item ? ` of ${type.item.means}` : '';
  const most = type.maxItems === undefined ? '' : `, at most ${type.maxItems} entries`;
  return `a comma-separated list${of}, no entry empty or repeated${most}`;
}

function stringAccepts(type: Extract<SettingType, { kind: 'string' }>): string {
  if (type.match) return type.match.means;
  const text = type.minLength ? 'a non-empty string' : 'a string';
  return type.maxLength === undefined ? text : `${text} of at most ${type.maxLength} characters`;
}

/** What a value of the type may be, in words: the relay's errors and the CRD's messages both say it. */
export function accepts(type: SettingType): string {
  switch (type.kind) {
    case 'string':
      return stringAccepts(type);
    case 'integer':
      return type.unit === 'ms'
        ? `a number of milliseconds from ${type.minimum} (${formatDuration(type.minimum)}) to ${type.maximum} (${formatDuration(type.maximum)})`
        : `an integer from ${type.minimum} to ${type.maximum}`;
    case 'boolean':
      return 'true or false (also 1/0, t/f, yes/no)';
    case 'enum':
      return `one of ${[...type.values, ...(type.aliases ?? [])].join(', ')}`;
    case 'list':
      return listAccepts(type);
    case 'duration':
      return `a duration from ${type.minimum} to ${type.maximum} (a whole number and one of the units ${type.units.join(', ')})`;
    case 'url':
      return 'an http:// or https:// URL';
    case 'file':
      return 'the path of a readable file';
  }
}

/** True when `command` cannot run without the setting (undefined: only what every command needs). */
export function isRequired(d: SettingDefinition, command: Command | undefined): boolean {
  return d.required === true || (command !== undefined && (d.requiredFor ?? []).includes(command));
}

export function buildSchema(
  definitions: readonly SettingDefinition[],
  command?: Command,
): Record<string, unknown> {
  return {
    type: 'object',
    properties: Object.fromEntries(definitions.map((d) => [d.name, schemaOf(d.type)])),
    required: definitions.filter((d) => isRequired(d, command)).map((d) => d.name),
  };
}
