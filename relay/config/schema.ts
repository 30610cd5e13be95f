// Builds the ajv JSON schema and the "what it accepts" text of each setting from the definition table.
// Settings that depend on each other are the rules' business (rules.ts), checked after the schema.
import type { Command } from './cli.js';
import type { SettingDefinition, SettingType } from './setting-types.js';

export const DURATION_PATTERN = '^([0-9]+)(ms|s|m|h|d)$';

export function schemaOf(type: SettingType): Record<string, unknown> {
  switch (type.kind) {
    case 'string':
      return { type: 'string', minLength: type.minLength ?? 0 };
    case 'integer':
      return { type: 'integer', minimum: type.minimum, maximum: type.maximum };
    case 'boolean':
      return { type: 'boolean' };
    case 'enum':
      return { type: 'string', enum: [...type.values] };
    case 'list':
      return { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } };
    case 'duration':
      return { type: 'string', pattern: DURATION_PATTERN };
    case 'url':
      return { type: 'string', pattern: '^https?://[^\\s]+$' };
    case 'file':
      return { type: 'string', minLength: 1 };
  }
}

export function accepts(type: SettingType): string {
  switch (type.kind) {
    case 'string':
      return type.minLength ? 'a non-empty string' : 'a string';
    case 'integer':
      return `an integer from ${type.minimum} to ${type.maximum}`;
    case 'boolean':
      return 'true or false (also 1/0, t/f, yes/no)';
    case 'enum':
      return `one of ${type.values.join(', ')}`;
    case 'list':
      return 'a comma-separated list of non-empty values';
    case 'duration':
      return 'a duration such as 90s, 30m, 1h or 7d (units ms, s, m, h, d)';
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
