// The files whose examples the doc tests run: the Markdown users read and the sample manifests.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileBlocks, type Block } from './blocks.js';

/** Every README.md under a folder of the repository (relative paths, sorted). */
function readmesUnder(root: string, dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(path.join(root, dir)).sort()) {
    const relative = path.join(dir, entry);
    if (statSync(path.join(root, relative)).isDirectory()) found.push(...readmesUnder(root, relative));
    else if (entry === 'README.md') found.push(relative);
  }
  return found;
}

function filesIn(root: string, dir: string, suffix: string): string[] {
  return readdirSync(path.join(root, dir))
    .filter((f) => f.endsWith(suffix))
    .sort()
    .map((f) => path.join(dir, f));
}

/** The Markdown files: README.md, docs/*.md, the READMEs of relay, operator, charts/*, config/**, crds, tools/devenv and bench. */
export function markdownFiles(root: string): string[] {
  const charts = readdirSync(path.join(root, 'charts'))
    .map((c) => path.join('charts', c, 'README.md'))
    .filter((f) => existsSync(path.join(root, f)));
  const fixed = ['relay/README.md', 'operator/README.md', 'crds/README.md', 'tools/devenv/README.md'];
  return [
    'README.md',
    ...filesIn(root, 'docs', '.md'),
    ...fixed,
    ...charts,
    ...readmesUnder(root, 'config'),
    'bench/README.md',
  ].filter((f) => existsSync(path.join(root, f)));
}

/** A sample manifest as one block: the whole file, YAML, from line 1. */
function fileAsBlock(root: string, file: string): Block {
  return { file, line: 1, lang: 'yaml', body: readFileSync(path.join(root, file), 'utf8'), marker: {} };
}

/** Every block of the Markdown files, then config/samples/*.yaml, each file as one block. */
export function docBlocks(root: string): Block[] {
  return [
    ...markdownFiles(root).flatMap((f) => fileBlocks(root, f)),
    ...filesIn(root, 'config/samples', '.yaml').map((f) => fileAsBlock(root, f)),
  ];
}
