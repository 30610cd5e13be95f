// The shapes of the settings table (definitions.ts): each setting's type, and the rules that tie settings
// together (a certificate needs its key, SASL needs a user, a CA file needs TLS). parse.ts checks both.
// A setting the operator sets from an OutboxRelay field names that field (`field`): the CRD's schema of
// the field is written from the same type (field-schema.ts, scripts/generate-crd.ts), so that the relay
// and the API server accept the same values.
import type { Command } from './cli.js';

export type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd';

/** What a string or a list entry must look like beyond its length: a pattern and its words. */
export interface TextPattern {
  pattern: string;
  /** What the pattern accepts, in words ("host:port ..."). */
  means: string;
}

export type SettingType =
  | { kind: 'string'; minLength?: number; maxLength?: number; match?: TextPattern }
  /** `unit: 'ms'`: a number of milliseconds (its CRD field is a duration). */
  | { kind: 'integer'; minimum: number; maximum: number; unit?: 'ms' }
  | { kind: 'boolean' }
  /** `aliases`: other spellings of the values the variable also takes (the CRD takes `values` only). */
  | { kind: 'enum'; values: readonly string[]; aliases?: readonly string[] }
  /** Comma-separated, at least one item, none empty, none repeated. */
  | { kind: 'list'; item?: TextPattern & { maxLength: number }; maxItems?: number }
  /** A number and a unit (90s, 30m, 1h, 7d), from `minimum` to `maximum` (written the same way). */
  | { kind: 'duration'; units: readonly DurationUnit[]; minimum: string; maximum: string }
  | { kind: 'url' }
  /** The path of a file the relay reads once at start (a mounted Secret's key): never its content. */
  | { kind: 'file' };

/** The OutboxRelay field the operator turns into the variable (operator/render/relay-env.ts). */
export interface SettingField {
  /** Its path in the resource: spec.relay.batchSize, spec.kafka.brokers. */
  path: string;
  /** What `kubectl explain` says, when not the variable's own description; the bounds are added from the type. */
  description?: string;
  /** What `kubectl explain` says of a list's entry. */
  itemDescription?: string;
  /** The API server's default, in the field's own form. */
  default?: unknown;
  /** An integer of milliseconds is written as a duration in these units (500ms, 8s, 1h). */
  durationUnits?: readonly DurationUnit[];
  /** Schema keywords of the field that say nothing about the values (format: int32). */
  extra?: Record<string, unknown>;
}

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
  /** The OutboxRelay field the operator sets it from, when it has one. */
  field?: SettingField;
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
