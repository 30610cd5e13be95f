// Writes the generated documentation: npx tsx scripts/generate-docs.ts
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  CONFIGURATION_DOC,
  configurationReference,
  readCrd,
  repoRoot,
} from './docs/configuration-reference.js';
import { settingsReference } from '../relay/config/reference.js';

writeFileSync(path.join(repoRoot, CONFIGURATION_DOC), configurationReference(readCrd()));
console.log(`wrote ${CONFIGURATION_DOC}`);

// relay/README.md embeds the settings table between two markers (relay/config/reference.test.ts).
const readme = path.join(repoRoot, 'relay/README.md');
const text = readFileSync(readme, 'utf8');
const start = text.indexOf('<!-- settings:start -->\n') + '<!-- settings:start -->\n'.length;
const end = text.indexOf('<!-- settings:end -->');
writeFileSync(readme, text.slice(0, start) + settingsReference() + text.slice(end));
console.log('wrote relay/README.md (settings)');
