// Turns the environment (and the Go relay's flags) into typed values, validated once with ajv against the
// schema built from the definition table. Errors name the variable and what it accepts, never a secret.
import { Ajv, type ErrorObject } from 'ajv';
import { ConfigError } from '../errors.js';
import type { Command } from './cli.js';
import { SETTING_RULES, SETTINGS, type SettingDefinition } from './definitions.js';
import { checkRules } from './rules.js';
import { accepts, buildSchema, DURATION_PATTERN } from './schema.js';

export type SettingValues = Record<string, string | number | boolean | string[] | undefined>;

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
      return text
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
    default:
      return text;
  }
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function durationMs(text: string): number {
  const match = new RegExp(DURATION_PATTERN).exec(text);
  if (!match) throw new ConfigError('duration', `cannot parse ${JSON.stringify(text)}`);
  return Number(match[1]) * (UNIT_MS[match[2] as string] as number);
}

const validators = new Map<Command | undefined, ReturnType<Ajv['compile']>>();
function validate(values: Record<string, unknown>, command: Command | undefined): ErrorObject[] {
  let validator = validators.get(command);
  if (!validator) {
    validator = new Ajv({ allErrors: true, strict: true }).compile(buildSchema(SETTINGS, command));
    validators.set(command, validator);
  }
  return validator(values) ? [] : (validator.errors ?? []);
}

function describe(error: ErrorObject, env: NodeJS.ProcessEnv, command: Command | undefined): ConfigError {
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
  return new ConfigError(name, `invalid value${shown}; accepts ${what}`);
}

/**
 * Validates the environment, each value and then the rules that tie them together; throws a ConfigError
 * naming the first bad variable. `command` adds the settings and rules only that command needs (KAFKA_HOST
 * and Kafka's TLS and SASL for `run`); without it only what every command needs is checked.
 */
export function parseSettings(env: NodeJS.ProcessEnv, command?: Command): Readonly<SettingValues> {
  const values: Record<string, unknown> = {};
  for (const def of SETTINGS) {
    const text =
      env[def.name] === '' && def.default !== undefined ? def.default : (env[def.name] ?? def.default);
    if (text !== undefined && !(text === '' && !def.required && def.type.kind !== 'string')) {
      values[def.name] = coerce(def, text);
    }
  }
  const errors = validate(values, command);
  const first = errors[0];
  if (first) throw describe(first, env, command);
  checkRules(SETTING_RULES, values, command);
  return Object.freeze(values as SettingValues);
}
