// Writes the schema of each OutboxRelay field that the operator turns into a relay variable from that
// variable's definition (relay/config/fields.ts, field-schema.ts) into crds/outboxrelays.yaml, leaving the
// rest of the file (its other fields, comments, CEL rules across fields) as written by hand.
// `npx tsx scripts/generate-crd.ts` writes it; scripts/crd-schema.test.ts fails when the file differs.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { format } from 'prettier';
import { SETTINGS } from '../relay/config/definitions.js';
import { fieldSchema } from '../relay/config/field-schema.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CRD_FILE = 'crds/outboxrelays.yaml';
export const GENERATE_CRD_COMMAND = 'npx tsx scripts/generate-crd.ts';

const indentOf = (line: string) => line.length - line.trimStart().length;
const isContent = (line: string) => line.trim() !== '' && !line.trimStart().startsWith('#');

/** The index of the last line of the block that starts at `start` (its deeper-indented lines). */
function blockEnd(lines: string[], start: number): number {
  const indent = indentOf(lines[start] as string);
  let end = start;
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (!isContent(line)) continue;
    if (indentOf(line) <= indent) break;
    end = i;
  }
  return end;
}

/** The line of `key:` directly under the block at `parent`. */
function childLine(lines: string[], parent: number, key: string): number {
  const end = blockEnd(lines, parent);
  const lines_ = lines.slice(parent + 1, end + 1);
  const indent = lines_.find(isContent);
  if (indent === undefined) throw new Error(`${lines[parent]?.trim()} has no children`);
  const depth = indentOf(indent);
  const at = lines_.findIndex((l) => indentOf(l) === depth && l.trimStart().startsWith(`${key}:`));
  if (at < 0) throw new Error(`no ${key} under ${lines[parent]?.trim()}`);
  return parent + 1 + at;
}

/** The line of the field at `fieldPath` (spec.relay.batchSize) under the version's openAPIV3Schema. */
export function fieldLine(lines: string[], fieldPath: string): number {
  let at = lines.findIndex((l) => l.trim() === 'openAPIV3Schema:');
  if (at < 0) throw new Error('the CRD has no openAPIV3Schema');
  for (const segment of fieldPath.split('.'))
    at = childLine(lines, childLine(lines, at, 'properties'), segment);
  return at;
}

/** `enum:` as one line, `[a, b]`, as the rest of the file writes it. */
function flowEnums(text: string): string {
  return text.replace(/^(\s*)enum:\n((?:\1 {2}- .*\n)+)/gm, (_all, indent: string, items: string) => {
    const values = items
      .split('\n')
      .filter(Boolean)
      .map((l) => l.trim().slice(2));
    return `${indent}enum: [${values.join(', ')}]\n`;
  });
}

/** `text` with the node of each field replaced by the one built from its variable's definition. */
export function withSharedFields(text: string): string {
  const lines = text.split('\n');
  for (const def of SETTINGS) {
    const node = fieldSchema(def);
    if (!node || !def.field) continue;
    const at = fieldLine(lines, def.field.path);
    const indent = ' '.repeat(indentOf(lines[at] as string) + 2);
    const body = flowEnums(yaml.dump(node, { lineWidth: 90, noRefs: true }))
      .trimEnd()
      .split('\n')
      .map((l) => indent + l);
    lines.splice(at + 1, blockEnd(lines, at) - at, ...body);
  }
  return lines.join('\n');
}

/** The CRD as the generator writes it, formatted as prettier keeps the repository's YAML. */
export async function generatedCrd(text = readFileSync(path.join(repoRoot, CRD_FILE), 'utf8')) {
  return format(withSharedFields(text), { parser: 'yaml', singleQuote: true, printWidth: 110 });
}
