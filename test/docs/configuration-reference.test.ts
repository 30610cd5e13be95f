// The example values of the configuration reference (docs/configuration.md) are what the programs do with
// them: each relay variable's default is the relay parser's default (or it is required, or unset), each
// value its "accepts" names is accepted by the parser and each just outside its bounds refused, naming the
// variable; each OutboxRelay default the reference shows is what the API server fills in.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { parseSettings } from '../../relay/config/parse.js';
import { installCrd, repoRoot } from '../support/operator.js';
import { kubectl } from '../support/servers.js';
import { minimalRelay } from './manifests.js';
import { examplesOf, tableRows } from './reference-table.js';

const markdown = readFileSync(path.join(repoRoot, 'docs/configuration.md'), 'utf8');
const variables = tableRows(markdown, "## The relay's environment variables", [
  'variable',
  'accepts',
  'default',
]);
const fields = tableRows(markdown, '### spec', ['field', 'constraints', 'default']);

const BASE: Record<string, string> = {
  DB_DRIVER: 'postgres',
  DB_HOST: 'db',
  DB_USER: 'relay',
  DB_NAME: 'orders',
  KAFKA_HOST: 'kafka:9092',
};

function errorOf(env: Record<string, string>, command: 'run' | 'status' = 'run'): string | undefined {
  try {
    parseSettings(env, command);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const without = (name: string) => Object.fromEntries(Object.entries(BASE).filter(([k]) => k !== name));

describe("the configuration reference's example values", () => {
  it('reads every variable of the relay', () => {
    expect(variables.length).toBeGreaterThan(40);
    expect(variables.map((v) => v.name)).toEqual(
      expect.arrayContaining(['DB_HOST', 'BATCH_SIZE', 'LOG_LEVEL']),
    );
  });

  it.each(variables.map((v) => [v.name, v] as const))('%s: its default is the parser’s', (name, row) => {
    if (row.default === 'required') {
      expect(errorOf(without(name))).toMatch(new RegExp(`^${name}: is required`));
    } else if (row.default === 'required by `run`') {
      expect(errorOf(without(name))).toMatch(new RegExp(`^${name}: is required by the run command`));
      expect(errorOf(without(name), 'status')).toBeUndefined();
    } else if (row.default === 'unset') {
      expect(parseSettings(BASE, 'run')[name]).toBeUndefined();
    } else {
      const fromDefault = parseSettings(BASE, 'run')[name];
      expect(fromDefault).toBeDefined();
      expect(parseSettings({ ...BASE, [name]: row.default }, 'run')[name]).toEqual(fromDefault);
    }
  });

  it.each(variables.map((v) => [v.name, v] as const))(
    '%s: accepts what it says, refuses past its bounds',
    (name, row) => {
      const { accepted, refused } = examplesOf(row.accepts);
      for (const value of accepted) {
        const error = errorOf({ ...BASE, [name]: value });
        expect({ value, error }).not.toEqual({
          value,
          error: expect.stringMatching(new RegExp(`^${name}: invalid value`)),
        });
      }
      for (const value of refused) {
        expect({ value, error: errorOf({ ...BASE, [name]: value }) }).toEqual({
          value,
          error: expect.stringMatching(new RegExp(`^${name}: invalid value`)),
        });
      }
    },
  );

  it('reads the spellings of a boolean as the reference says', () => {
    const yes = ['true', '1', 't', 'yes'].map(
      (v) => parseSettings({ ...BASE, TLS_ENABLE: v }, 'run').TLS_ENABLE,
    );
    const no = ['false', '0', 'f', 'no'].map(
      (v) => parseSettings({ ...BASE, TLS_ENABLE: v }, 'run').TLS_ENABLE,
    );
    expect([yes, no]).toEqual([
      [true, true, true, true],
      [false, false, false, false],
    ]);
  });

  it('finds example values in the rows (the "accepts" texts are read)', () => {
    const withExamples = variables.filter((v) => examplesOf(v.accepts).accepted.length > 0);
    expect(withExamples.length).toBeGreaterThanOrEqual(20);
  });

  describe('OutboxRelay defaults', () => {
    /** The minimal sample, and one with each optional object that has defaulted fields, its required fields only. */
    const optionals = {
      database: {
        secretRef: { name: 'orders-db' },
        tls: {
          mode: 'verify-full',
          caSecretRef: { name: 'db-ca' },
          clientCertSecretRef: { name: 'db-client' },
        },
      },
      kafka: {
        brokers: ['kafka-0.kafka:9093'],
        tls: {
          enabled: true,
          caSecretRef: { name: 'kafka-ca' },
          clientCertSecretRef: { name: 'kafka-client' },
        },
        sasl: { mechanism: 'scram-sha-512', secretRef: { name: 'kafka-sasl' } },
      },
    };
    const inputs = [minimalRelay(), { ...minimalRelay(), metadata: { name: 'optionals' }, spec: optionals }];
    let applied: Record<string, unknown>[];

    beforeAll(async () => {
      await installCrd();
      const args = ['apply', '--server-side', '--dry-run=server', '-n', 'default', '-o', 'json', '-f', '-'];
      applied = await Promise.all(
        inputs.map(async (o) => JSON.parse(await kubectl(args, yaml.dump(o))) as Record<string, unknown>),
      );
    });

    /** The value at a dotted path in the first applied object that has its parent, if one has. */
    function at(dotted: string): { parent: boolean; value: unknown } {
      const parts = dotted.split('.');
      for (const object of applied) {
        let node: unknown = object;
        for (const part of parts.slice(0, -1)) node = (node as Record<string, unknown> | undefined)?.[part];
        if (node !== null && typeof node === 'object') {
          return { parent: true, value: (node as Record<string, unknown>)[parts.at(-1)!] };
        }
      }
      return { parent: false, value: undefined };
    }

    it('are what the API server fills in, for every defaulted field but those in lists', () => {
      // An object's default ({}) is checked through its fields'.
      const defaulted = fields.filter((f) => !['', '{}'].includes(f.default) && !f.name.includes('[]'));
      expect(defaulted.filter((f) => !at(f.name).parent).map((f) => f.name)).toEqual([]);
      expect(defaulted.map((f) => [f.name, at(f.name).value])).toEqual(
        defaulted.map((f) => [f.name, yaml.load(f.default)]),
      );
      expect(defaulted.length).toBeGreaterThanOrEqual(30);
    });
  });
});
