// Writes the generated documentation: npx tsx scripts/generate-docs.ts
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  CONFIGURATION_DOC,
  configurationReference,
  readCrd,
  repoRoot,
} from './docs/configuration-reference.js';

writeFileSync(path.join(repoRoot, CONFIGURATION_DOC), configurationReference(readCrd()));
console.log(`wrote ${CONFIGURATION_DOC}`);
