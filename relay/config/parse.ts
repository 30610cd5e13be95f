// Turns the environment (and the Go relay's flags) into typed values, validated once with ajv against the
// schema built from the definition table. Errors name the variable and what it accepts, never a secret.
import { Ajv, type ErrorObject } from 'ajv';
import { ConfigError } from '../errors.js';
import type { Command } from './cli.js';
import { SETTING_RULES, SETTINGS, type SettingDefinition } from './definitions.js';
import { checkRules } from './rules.js';
import { parseDuration } from './durations.js';
import { accepts, buildSchema, DURATION_RANGE } from './schema.js';

export type SettingValues = Record<string, string | number | boolean | string[] | undefined>;
type Values = Record<string, unknown>;

const TRUE = new Set(['1', 't', 'true', 'yes', 'y', 'on']);
const FALSE = new Set(['0', 'f', 'false', 'no', 'n', 'off']);

/** Converts the text of one variable to the JSON type its schema expects; leaves what does not fit for ajv. */
function coerce(def: SettingDefinition, text: string): unknown {
  switch (def.type.kind) {
    case 'boolean': {
      const lower = text.trim().toLowerCase();
      if (TRUE.has(lower)) return true;
      if (FALSE.has(lower)) return false;
      return text;
    }
    case 'integer':
      return /^\s*-?\d+\s*$/.test(text) ? Number(text) : text;
    case 'list':
      // Empty entries stay, for the schema to refuse by their place ("a,,b" is a typo, not two names).
      return text.split(',').map((s) => s.trim());
    default:
      return text;
  }
}

export function durationMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new ConfigError('duration', `cannot parse ${JSON.stringify(text)}`);
  return ms;
}

function compile(command: Command | undefined): ReturnType<Ajv['compile']> {
  const ajv = new Ajv({ allErrors: true, strict: true });
  ajv.addKeyword({
    keyword: DURATION_RANGE,
    type: 'string',
    schemaType: 'array',
    validate: ([min, max]: [number, number], text: string) => {
      const ms = parseDuration(text);
      return ms === undefined || (ms >= min && ms <= max);
    },
  });
  return ajv.compile(buildSchema(SETTINGS, command));
}

const validators = new Map<Command | undefined, ReturnType<Ajv['compile']>>();
function validate(values: Values, command: Command | undefined): ErrorObject[] {
  let validator = validators.get(command);
  if (!validator) {
    validator = compile(command);
    validators.set(command, validator);
  }
  return validator(values) ? [] : (validator.errors ?? []);
}

function describe(
  error: ErrorObject,
  env: NodeJS.ProcessEnv,
  command: Command | undefined,
  values: Values,
): ConfigError {
  const name =
    error.keyword === 'required'
      ? String(error.params.missingProperty)
      : (error.instancePath.split('/')[1] ?? 'config');
  const def = SETTINGS.find((d) => d.name === name);
  const what = def ? accepts(def.type) : 'a valid value';
  if (error.keyword === 'required') {
    const by = def?.required ? '' : ` by the ${String(command)} command`;
    return new ConfigError(name, `is required${by}; accepts ${what}`);
  }
  const shown = def?.secret ? '' : ` (got ${JSON.stringify(env[name] ?? '')})`;
  return new ConfigError(name, `invalid value${shown}${listEntry(error, def, values)}; accepts ${what}`);
}

/** Which entry of a list is wrong: ": entry 2 is empty", ": entry \"x\" is repeated". */
function listEntry(error: ErrorObject, def: SettingDefinition | undefined, values: Values): string {
  if (def?.type.kind !== 'list' || def.secret) return '';
  const list = values[def.name] as string[];
  if (error.keyword === 'uniqueItems') {
    return `: entry ${JSON.stringify(list[Number(error.params.i)])} is repeated`;
  }
  const index = error.instancePath.split('/')[2];
  if (index === undefined) return '';
  const place = `entry ${Number(index) + 1}`;
  const entry = list[Number(index)] as string;
  return entry === '' ? `: ${place} is empty` : `: ${place} (${JSON.stringify(entry)}) is not valid`;
}

/**
 * Validates the environment, each value and then the rules that tie them together; throws a ConfigError
 * naming the first bad variable. `command` adds the settings and rules only that command needs (KAFKA_HOST
 * and Kafka's TLS and SASL for `run`); without it only what every command needs is checked.
 */
export function parseSettings(env: NodeJS.ProcessEnv, command?: Command): Readonly<SettingValues> {
  const values: Values = {};
  for (const def of SETTINGS) {
    const text =
      env[def.name] === '' && def.default !== undefined ? def.default : (env[def.name] ?? def.default);
    if (text !== undefined && !(text === '' && !def.required && def.type.kind !== 'string')) {
      values[def.name] = coerce(def, text);
    }
  }
  const errors = validate(values, command);
  const first = errors[0];
  if (first) throw describe(first, env, command, values);
  checkRules(SETTING_RULES, values, command);
  return Object.freeze(values as SettingValues);
}
