// The OutboxRelay CRD's schema (crds/outboxrelays.yaml as committed) as an ajv validator, for unit tests
// that need no API server. The Kubernetes keywords are given their meaning: a `set` list refuses repeats,
// and the CEL rules written from the settings' types (relay/config/field-schema.ts) are evaluated; they use
// only self.matches, endsWith, substring, size, int, ternaries and comparisons, which read the same in
// JavaScript. A rule using anything else is not evaluated here (the API server tests check it).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import yaml from 'js-yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CEL_WORDS = new Set(['self', 'matches', 'endsWith', 'substring', 'size', 'int']);

type Rule = { rule: string; message?: string };

/** The rule as a JavaScript function of the field's string, or undefined when it uses more than that. */
export function celAsJavaScript(rule: string): ((value: string) => boolean) | undefined {
  const words = rule.replace(/'[^']*'/g, "''").match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? [];
  if (!words.every((w) => CEL_WORDS.has(w))) return undefined;
  const run = new Function('self', 'size', 'int', `return (${rule});`) as (...a: unknown[]) => boolean;
  return (value) => {
    const self = {
      length: value.length,
      matches: (p: string) => new RegExp(p).test(value),
      endsWith: (s: string) => value.endsWith(s),
      substring: (a: number, b: number) => value.substring(a, b),
    };
    const int = (text: string) => {
      if (!/^-?[0-9]+$/.test(text)) throw new Error(`int(${JSON.stringify(text)})`);
      return Number(text);
    };
    return run(self, (x: { length: number }) => x.length, int);
  };
}

export function crdSchema(): Record<string, unknown> {
  const crd = yaml.load(readFileSync(path.join(root, 'crds/outboxrelays.yaml'), 'utf8')) as {
    spec: { versions: Array<{ schema: { openAPIV3Schema: Record<string, unknown> } }> };
  };
  return crd.spec.versions[0]?.schema.openAPIV3Schema as Record<string, unknown>;
}

/** Validates an OutboxRelay against the committed CRD; returns its errors (empty: valid). */
export function crdValidator(): (resource: unknown) => string[] {
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  for (const keyword of [
    'x-kubernetes-list-map-keys',
    'x-kubernetes-preserve-unknown-fields',
    'x-kubernetes-int-or-string',
  ]) {
    ajv.addKeyword({ keyword });
  }
  ajv.addKeyword({
    keyword: 'x-kubernetes-list-type',
    type: 'array',
    validate: (kind: string, list: unknown[]) =>
      kind !== 'set' || new Set(list.map((v) => JSON.stringify(v))).size === list.length,
  });
  ajv.addKeyword({
    keyword: 'x-kubernetes-validations',
    type: 'string',
    validate: (rules: Rule[], value: string) =>
      rules.every((r) => {
        const check = celAsJavaScript(r.rule);
        return check === undefined || check(value);
      }),
  });
  const validate = ajv.compile(crdSchema());
  return (resource) =>
    validate(resource) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}
