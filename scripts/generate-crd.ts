// Writes the shared fields' schema into the CRD: npx tsx scripts/generate-crd.ts (then scripts/chart-files.ts
// copies it into the chart and scripts/generate-docs.ts regenerates the configuration reference).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { CRD_FILE, generatedCrd, repoRoot } from './crd-schema.js';

writeFileSync(path.join(repoRoot, CRD_FILE), await generatedCrd());
console.log(`wrote ${CRD_FILE}`);
