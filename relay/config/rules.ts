// Checks the rules of the settings table (definitions.ts SETTING_RULES) on values the schema has already
// validated one by one. Each broken rule becomes a ConfigError naming the variable to change.
import { ConfigError } from '../errors.js';
import type { Command } from './cli.js';
import type { SettingCondition, SettingRule } from './setting-types.js';

type Values = Readonly<Record<string, unknown>>;

const isSet = (values: Values, name: string) => values[name] !== undefined;

function holds(values: Values, condition: SettingCondition): boolean {
  if (condition.equals === undefined) return isSet(values, condition.name);
  return values[condition.name] === condition.equals;
}

function describeCondition(condition: SettingCondition): string {
  return condition.equals === undefined
    ? `${condition.name} is set`
    : `${condition.name}=${condition.equals}`;
}

/** The error a rule gives for these values, or undefined when it holds. */
export function ruleError(rule: SettingRule, values: Values): ConfigError | undefined {
  switch (rule.kind) {
    case 'together': {
      const [a, b] = rule.names;
      if (isSet(values, a) === isSet(values, b)) return undefined;
      const [present, missing] = isSet(values, a) ? [a, b] : [b, a];
      return new ConfigError(missing, `is required when ${present} is set`);
    }
    case 'oneOf': {
      if (!isSet(values, rule.when)) return undefined;
      const [value, file] = rule.names;
      if (isSet(values, value) && isSet(values, file)) {
        return new ConfigError(file, `cannot be set together with ${value}: set one of them`);
      }
      if (isSet(values, value) || isSet(values, file)) return undefined;
      return new ConfigError(value, `is required when ${rule.when} is set (or ${file}, a file holding it)`);
    }
    case 'needs':
      if (!isSet(values, rule.name) || holds(values, rule.condition)) return undefined;
      return new ConfigError(rule.name, `is set, but ${rule.why}`);
    case 'conflicts':
      if (!isSet(values, rule.name) || !holds(values, rule.condition)) return undefined;
      return new ConfigError(
        rule.name,
        `cannot be set when ${describeCondition(rule.condition)}: ${rule.why}`,
      );
  }
}

/** Throws the first broken rule that applies to `command` (undefined: only rules of every command). */
export function checkRules(
  rules: readonly SettingRule[],
  values: Values,
  command: Command | undefined,
): void {
  for (const rule of rules) {
    if (rule.commands && (command === undefined || !rule.commands.includes(command))) continue;
    const error = ruleError(rule, values);
    if (error) throw error;
  }
}
