// Where the benchmarks find the repository and write their results.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const defaultResultsDir = path.join(repoRoot, 'bench/results');
