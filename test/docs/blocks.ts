// The fenced blocks of a Markdown file, as the doc tests read them: each with its language, the line of its
// opening fence and the doc-test marker before it, if any. A marker is an HTML comment on the last non-blank
// line before the fence (prettier puts a blank line between the two):
//
//   <!-- doc-test: not runnable here: <why> -->   the block is not run; the reason is required
//   <!-- doc-test: postgres -->, mysql, or both   the databases an SQL block runs on
//   <!-- doc-test: setup: <file> -->              a repository file applied (kubectl) before the block
//
// The output a doc shows is part of a transcript block (`$ command` lines, then what each prints).
// Several directives go in one marker separated by "; ", e.g. `postgres; setup: ...`; "not runnable here"
// stands alone, and its reason runs to the end of the comment.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export type Database = 'postgres' | 'mysql';

export interface Marker {
  notRunnable?: string;
  databases?: Database[];
  setup?: string[];
}

export interface Block {
  /** The file, relative to the repository. */
  file: string;
  /** The 1-based line of the opening fence. */
  line: number;
  /** The fence's first word ('' for none). */
  lang: string;
  /** The block's text, its indentation (a block in a list item) removed, ending in a newline. */
  body: string;
  marker: Marker;
}

export function where(block: Pick<Block, 'file' | 'line'>): string {
  return `${block.file}:${block.line}`;
}

const MARKER = /^<!--\s*doc-test:\s*([\s\S]*?)\s*-->$/;
const FENCE = /^( *)(`{3,}|~{3,})\s*([^\s`]*)/;

/** Parses a marker's text; an unknown directive or a reasonless "not runnable" is an error naming the block. */
export function parseMarker(text: string, at: string): Marker {
  const notRunnable = /^not runnable here:?\s*(.*)$/s.exec(text);
  if (notRunnable) {
    if (!notRunnable[1]) throw new Error(`${at}: "not runnable here" needs a reason`);
    return { notRunnable: notRunnable[1].replace(/\s+/g, ' ') };
  }
  const marker: Marker = {};
  for (const directive of text.split(/;\s+/)) {
    const setup = /^setup:\s*(\S+)$/.exec(directive);
    if (/^(postgres|mysql)(,\s*(postgres|mysql))*$/.test(directive)) {
      marker.databases = directive.split(/,\s*/) as Database[];
    } else if (setup) {
      marker.setup = [...(marker.setup ?? []), setup[1]!];
    } else {
      throw new Error(
        `${at}: unknown doc-test directive "${directive}" (accepts: not runnable here: <why>, postgres, mysql, setup: <file>)`,
      );
    }
  }
  return marker;
}

/** The marker ending on the last non-blank line before `index` (it may span lines), if there is one. */
function markerBefore(lines: string[], index: number, at: string): Marker {
  let end = index - 1;
  while (end >= 0 && lines[end]!.trim() === '') end--;
  if (end < 0 || !lines[end]!.trim().endsWith('-->')) return {};
  let start = end;
  while (start > 0 && !lines[start]!.trim().startsWith('<!--')) start--;
  const comment = lines
    .slice(start, end + 1)
    .map((l) => l.trim())
    .join(' ');
  const match = MARKER.exec(comment);
  return match ? parseMarker(match[1]!, at) : {};
}

/** The fenced blocks of one Markdown text. */
export function markdownBlocks(markdown: string, file: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, lang] = open as unknown as [string, string, string, string];
    const closing = new RegExp(`^ {0,${indent.length + 3}}${fence[0]}{${fence.length},}\\s*$`);
    let end = i + 1;
    while (end < lines.length && !closing.test(lines[end]!)) end++;
    if (end >= lines.length) throw new Error(`${file}:${i + 1}: the fence is never closed`);
    const body = lines
      .slice(i + 1, end)
      .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l.trimStart()))
      .join('\n');
    const at = `${file}:${i + 1}`;
    blocks.push({ file, line: i + 1, lang, body: `${body}\n`, marker: markerBefore(lines, i, at) });
    i = end;
  }
  return blocks;
}

/** The fenced blocks of a file of the repository. */
export function fileBlocks(root: string, file: string): Block[] {
  return markdownBlocks(readFileSync(path.join(root, file), 'utf8'), file);
}
