// Every setting an OutboxRelay field becomes is accepted and refused alike by the CRD (its committed
// schema, with ajv) and by the relay's parser, at every boundary; the operator renders each case's field
// into the case's variable text; and a field or variable added on one side only fails here.
import { maintenanceEnv, runEnv, type EnvVar } from '../../operator/render/relay-env.js';
import type { OutboxRelay } from '../../operator/api/types.js';
import { ConfigError } from '../errors.js';
import { crdSchema, crdValidator } from '../testing/crd-validator.js';
import {
  boundaryCases,
  envWith,
  PATTERN_EXAMPLES,
  SHARED,
  specWith,
  type BoundaryCase,
} from '../testing/boundary-cases.js';
import { SETTINGS } from './definitions.js';
import { fieldSchema } from './field-schema.js';
import { parseSettings } from './parse.js';

const resource = (spec: Record<string, unknown>): OutboxRelay => ({
  apiVersion: 'outbox.kafka-relay.dev/v1alpha1',
  kind: 'OutboxRelay',
  metadata: { name: 'bounds', namespace: 'default' },
  spec: spec as unknown as OutboxRelay['spec'],
});

function renderedEnv(spec: Record<string, unknown>): EnvVar[] {
  const relay = resource(spec);
  return [...runEnv(relay), ...maintenanceEnv(relay, 'cleanup')];
}

/** What the operator sets the case's variable to, or undefined when it cannot render the value. */
function rendered(c: BoundaryCase): string | undefined {
  try {
    return renderedEnv(specWith(c.field, c.value)).find((e) => e.name === c.variable)?.value;
  } catch {
    return undefined;
  }
}

/** undefined when the relay accepts the text, else the variable its error names. */
function relayRefusal(c: { variable: string; text: string }): string | undefined {
  try {
    parseSettings(envWith(c.variable, c.text), 'run');
    return undefined;
  } catch (error) {
    if (error instanceof ConfigError) return error.field;
    throw error;
  }
}

const validate = crdValidator();
const cases = SHARED.flatMap(boundaryCases);
const label = (c: BoundaryCase) =>
  `${c.field}=${JSON.stringify(c.value).slice(0, 60)} / ${c.variable}=${c.text === null ? '(none)' : c.text.slice(0, 60)}: ${c.accepted ? 'accepted' : 'refused'}`;

describe('the settings an OutboxRelay field becomes', () => {
  it('are every variable the operator sets from a field (the others are fixed, or from Secrets)', () => {
    const fixed = ['HTTP_PORT', 'SKIP_MIGRATIONS', 'OUTBOX_RELAY_NAME', 'OUTBOX_RELAY_NAMESPACE'];
    const spec = specWith('spec.database.tls.mode', 'verify-full');
    Object.assign(spec.kafka as object, { compression: 'lz4' });
    Object.assign(spec, { relay: { claimTimeout: '1m', notifyOnInsert: false } });
    (spec.kafka as { sasl: object }).sasl = {
      mechanism: 'plain',
      username: 'relay',
      secretRef: { name: 'kafka' },
    };
    const env = renderedEnv(spec);
    const fromFields = env
      .filter((e) => e.value !== undefined && !e.name.endsWith('_FILE') && !fixed.includes(e.name))
      .map((e) => e.name);
    expect(new Set(fromFields)).toEqual(new Set(SHARED.map((d) => d.name)));
  });

  it("have the CRD schema the generator writes from the variable's type", () => {
    const schema = crdSchema();
    for (const def of SHARED) {
      let node = schema as { properties?: Record<string, unknown> };
      for (const key of (def.field?.path ?? '').split('.')) {
        node = node.properties?.[key] as typeof node;
      }
      expect({ [def.name]: node }).toEqual({ [def.name]: fieldSchema(def) });
    }
  });

  it('are walked at every boundary, and a setting with a pattern has examples of it', () => {
    for (const def of SHARED) {
      const patterned =
        (def.type.kind === 'string' && def.type.match) || (def.type.kind === 'list' && def.type.item);
      if (patterned) expect(Object.keys(PATTERN_EXAMPLES)).toContain(def.name);
      const refused = boundaryCases(def).filter((c) => !c.accepted);
      if (def.type.kind !== 'boolean')
        expect({ [def.name]: refused.length > 0 }).toEqual({ [def.name]: true });
    }
    expect(cases.length).toBeGreaterThan(100);
  });

  it.each(cases.map((c) => [label(c), c] as const))('%s', (_label, c) => {
    const errors = validate(resource(specWith(c.field, c.value)));
    expect({ crd: errors.length === 0, errors }).toEqual({
      crd: c.accepted,
      errors: c.accepted ? [] : expect.anything(),
    });
    if (c.text === null) return;
    expect(relayRefusal({ variable: c.variable, text: c.text })).toBe(c.accepted ? undefined : c.variable);
    const text = rendered(c);
    if (c.accepted) expect(text).toBe(c.text);
    else if (text !== undefined) expect(text).toBe(c.text);
  });
});

describe('the words of a field', () => {
  it("are its variable's own unless the table gives the field words of its own, and add the bounds", () => {
    const attempts = SETTINGS.find((d) => d.name === 'KAFKA_PUBLISH_ATTEMPTS') as (typeof SETTINGS)[number];
    const node = fieldSchema(attempts) as { description: string };
    expect(node.description).toBe(
      `${attempts.description} Accepts an integer from 1 to 100. Relay variable: KAFKA_PUBLISH_ATTEMPTS.`,
    );
    expect(node.description).toContain('permanent failures');
    expect(node.description).not.toContain('times a row is published');
  });
});

describe('what only one side takes', () => {
  it('DB_TLS_MODE also takes MySQL names for the same modes, which the CRD does not list', () => {
    const def = SETTINGS.find((d) => d.name === 'DB_TLS_MODE');
    expect(def?.type).toMatchObject({ aliases: ['DISABLED', 'REQUIRED', 'VERIFY_CA', 'VERIFY_IDENTITY'] });
    expect(relayRefusal({ variable: 'DB_TLS_MODE', text: 'VERIFY_IDENTITY' })).toBe(undefined);
    const spec = specWith('spec.database.tls.mode', 'VERIFY_IDENTITY');
    expect(validate(resource(spec))).not.toEqual([]);
  });
});
