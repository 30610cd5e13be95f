import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SETTINGS } from '../../relay/config/definitions.js';
import {
  CONFIGURATION_DOC,
  FIELD_TO_VARIABLE,
  GENERATE_COMMAND,
  configurationReference,
  crdFieldRows,
  readCrd,
  repoRoot,
} from './configuration-reference.js';

describe('docs/configuration.md', () => {
  const generated = configurationReference(readCrd());

  it(`is what \`${GENERATE_COMMAND}\` generates from the settings table, the CRD and the operator's flags`, () => {
    const committed = readFileSync(path.join(repoRoot, CONFIGURATION_DOC), 'utf8');
    expect(committed).toBe(generated);
  });

  it('lists every environment variable of the relay', () => {
    for (const d of SETTINGS) expect(generated).toContain(`| \`${d.name}\` |`);
  });

  it('lists every field of the CRD, nested ones included', () => {
    const { rows } = crdFieldRows(readCrd());
    const paths = rows.map((r) => r.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'spec.database.secretRef.keys.password',
        'spec.kafka.sasl.mechanism',
        'spec.relay.tolerations[].effect',
        'spec.cleanup.retention',
        'status.conditions[].reason',
      ]),
    );
    for (const p of paths) expect(generated).toContain(`| \`${p}\``);
  });

  it('maps CRD fields only to fields that exist and variables the relay reads', () => {
    const paths = new Set(crdFieldRows(readCrd()).rows.map((r) => r.path));
    const names = new Set(SETTINGS.map((d) => d.name));
    for (const [field, variable] of Object.entries(FIELD_TO_VARIABLE)) {
      expect(paths.has(field) ? field : `missing: ${field}`).toBe(field);
      expect(names.has(variable) ? variable : `unknown: ${variable}`).toBe(variable);
    }
  });

  it("lists the operator's flags", () => {
    for (const flag of ['--relay-image', '--leader-elect', '--namespace', '--metrics-port']) {
      expect(generated).toContain(flag);
    }
  });
});
