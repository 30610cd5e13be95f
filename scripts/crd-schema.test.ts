import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SETTINGS } from '../relay/config/definitions.js';
import { CRD_FILE, fieldLine, GENERATE_CRD_COMMAND, generatedCrd, repoRoot } from './crd-schema.js';

describe(CRD_FILE, () => {
  const committed = readFileSync(path.join(repoRoot, CRD_FILE), 'utf8');

  it(`has the shared fields' schema \`${GENERATE_CRD_COMMAND}\` writes from the settings table`, async () => {
    expect(committed).toBe(await generatedCrd(committed));
  });

  it("puts back a shared field's schema edited by hand", async () => {
    const lines = committed.split('\n');
    const at = fieldLine(lines, 'spec.relay.batchSize');
    const edited = [...lines.slice(0, at + 1), '  # edited', ...lines.slice(at + 1)].join('\n');
    expect(await generatedCrd(edited)).toBe(committed);
  });

  it('finds every field of the settings table in the CRD', () => {
    const lines = committed.split('\n');
    for (const d of SETTINGS) if (d.field) expect(() => fieldLine(lines, d.field?.path ?? '')).not.toThrow();
  });
});
