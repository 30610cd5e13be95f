import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SETTINGS } from './definitions.js';
import { settingsReference } from './reference.js';

const readme = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../README.md');

describe('the settings reference', () => {
  it('lists every setting of the definition table', () => {
    const reference = settingsReference();
    for (const d of SETTINGS) expect(reference).toContain(`| \`${d.name}\` |`);
  });

  it('is what relay/README.md shows', () => {
    const text = readFileSync(readme, 'utf8');
    const embedded = text.slice(
      text.indexOf('<!-- settings:start -->\n') + 24,
      text.indexOf('<!-- settings:end -->'),
    );
    expect(embedded).toBe(settingsReference());
  });
});
