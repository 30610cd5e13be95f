// The shapes of the settings table (definitions.ts): each setting's type, and the rules that tie settings
// together (a certificate needs its key, SASL needs a user, a CA file needs TLS). parse.ts checks both.
import type { Command } from './cli.js';

export type SettingType =
  | { kind: 'string'; minLength?: number }
  | { kind: 'integer'; minimum: number; maximum: number }
  | { kind: 'boolean' }
  | { kind: 'enum'; values: readonly string[] }
  /** Comma-separated, at least one non-empty item. */
  | { kind: 'list' }
  /** A number and a unit: 90s, 30m, 1h, 7d (also ms). */
  | { kind: 'duration' }
  | { kind: 'url' }
  /** The path of a file the relay reads once at start (a mounted Secret's key): never its content. */
  | { kind: 'file' };

export interface SettingDefinition {
  name: string;
  type: SettingType;
  /** The value (as it would be written in the environment) when the variable is unset; none means optional. */
  default?: string;
  description: string;
  secret?: boolean;
  /** Must be set (no default makes sense). */
  required?: boolean;
  /** Must be set for these commands only (the Go relay's jobs need no Kafka settings). */
  requiredFor?: readonly Command[];
}

/** A condition on another setting: set, or (booleans) set to a value. */
export interface SettingCondition {
  name: string;
  /** Omitted: the setting is set at all. */
  equals?: boolean;
}

export type SettingRule = { commands?: readonly Command[] } & (
  | /** All of them or none (a certificate and its key). */
    { kind: 'together'; names: readonly [string, string] }
    /** When `when` is set, exactly one of the two (a value, or a file holding it). */
  | { kind: 'oneOf'; names: readonly [string, string]; when: string }
  /** `name` is only meaningful when the condition holds; `why` says so in the error. */
  | { kind: 'needs'; name: string; condition: SettingCondition; why: string }
  /** `name` contradicts the condition; `why` says so in the error. */
  | { kind: 'conflicts'; name: string; condition: SettingCondition; why: string }
);
