// Which test runs a block. The coverage test (coverage.test.ts) and each runner's test select blocks with
// these same functions, so a block counted as covered is one a runner test runs.
import yaml from 'js-yaml';
import type { Block } from './blocks.js';

export type Runner =
  | 'kubernetes-yaml' // applied with a server-side dry run (kubernetes-yaml.test.ts)
  | 'kustomization' // built with kubectl kustomize, then dry-run applied (kubernetes-yaml.test.ts)
  | 'sql' // run on each database its marker names (sql-blocks.test.ts)
  | 'node-postgres' // a JavaScript example run with a pg Pool (sql-blocks.test.ts)
  | 'shell' // run by bash against the local servers, if it runs only SHELL_TOOLS (shell-blocks.test.ts)
  | 'transcript' // `$ command` lines run, their output's header compared (shell-blocks.test.ts)
  | 'layout' // a folder list: each folder exists (text-blocks.test.ts)
  | 'relay-commands' // the relay's command list: the commands the relay has (text-blocks.test.ts)
  | 'operator-usage'; // the operator's --help, compared (text-blocks.test.ts)

type Doc = Record<string, unknown> | null;

function yamlRunner(block: Block): Runner | undefined {
  let docs: Doc[];
  try {
    docs = yaml.loadAll(block.body) as Doc[];
  } catch {
    return undefined;
  }
  const objects = docs.filter((d): d is Record<string, unknown> => d !== null && typeof d === 'object');
  if (objects.length === 0) return undefined;
  if (objects.length === 1 && objects[0]!.kind === 'Kustomization') return 'kustomization';
  const isObject = (d: Record<string, unknown>) =>
    typeof d.apiVersion === 'string' && typeof d.kind === 'string';
  // A block showing only part of an OutboxRelay's spec is applied inside config/samples/minimal.yaml.
  const isSpecPart = (d: Record<string, unknown>) => Object.keys(d).join() === 'spec';
  return objects.every((d) => (isObject(d) && d.kind !== 'Kustomization') || isSpecPart(d))
    ? 'kubernetes-yaml'
    : undefined;
}

function textRunner(block: Block): Runner | undefined {
  const lines = block.body.trimEnd().split('\n');
  if (lines[0]!.startsWith('$ ')) {
    const commands = lines.filter((l) => l.startsWith('$ ')).map((l) => l.slice(2));
    return commands.every(runsOnlyShellTools) ? 'transcript' : undefined;
  }
  if (lines[0]!.startsWith('usage: outbox-relay-operator')) return 'operator-usage';
  if (lines.every((l) => /^outbox-relay \S/.test(l))) return 'relay-commands';
  if (lines.every((l) => /^[a-z][\w.-]*\/\s{2,}\S/.test(l) || /^\s{4,}\S/.test(l))) return 'layout';
  return undefined;
}

/** The tools the shell examples' environment provides (shell.ts); a block that runs any other is not run. */
export const SHELL_TOOLS = ['kubectl', 'helm', 'outbox-relay', 'base64'];

/** The programs a shell script runs: the first word of each command, heredocs' text and assignments skipped. */
export function commandsOf(script: string): string[] {
  const lines = script.replace(/\\\n/g, ' ').split('\n');
  const commands: string[] = [];
  let heredoc: string | undefined;
  for (const line of lines) {
    if (heredoc !== undefined) {
      if (line.trim() === heredoc) heredoc = undefined;
      continue;
    }
    heredoc = /<<-?\s*'?(\w+)'?/.exec(line)?.[1];
    const code = line.replace(/(^|\s)#.*$/, '');
    for (const part of code.split(/&&|\|\||[|;]/)) {
      const words = part
        .trim()
        .split(/\s+/)
        .filter((w) => w !== '' && !/^[A-Z_][A-Z0-9_]*=/.test(w));
      if (words[0]) commands.push(words[0]);
    }
  }
  return commands;
}

const runsOnlyShellTools = (script: string) => commandsOf(script).every((c) => SHELL_TOOLS.includes(c));

/** The runner of a block, or undefined when none runs it (the coverage test then wants a marker). */
export function runnerOf(block: Block): Runner | undefined {
  if (block.marker.notRunnable !== undefined) return undefined;
  switch (block.lang) {
    case 'yaml':
      return yamlRunner(block);
    case 'sql':
      return block.marker.databases ? 'sql' : undefined;
    case 'sh':
    case 'bash':
    case 'shell':
      return runsOnlyShellTools(block.body) ? 'shell' : undefined;
    case 'js':
    case 'javascript':
      return /\bpool\.connect\(\)/.test(block.body) ? 'node-postgres' : undefined;
    case '':
    case 'text':
      return textRunner(block);
    default:
      return undefined;
  }
}

/** The blocks a runner runs. */
export function blocksFor(blocks: Block[], runner: Runner): Block[] {
  return blocks.filter((b) => runnerOf(b) === runner);
}
