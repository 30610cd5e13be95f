// The plain-text examples that describe the programs: the repository layout of README.md (each folder
// exists, and every tracked top-level folder is listed), the relay's command list (the commands, flags and
// variables the relay's own parser accepts, and its --help lists), and the operator's usage
// (docs/configuration.md), which is what `outbox-relay-operator --help` prints; and the columns the examples'
// comments say `kubectl get outboxrelays` prints are the CRD's printer columns, run or not.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { COMMANDS, parseArgs } from '../../relay/config/cli.js';
import { jobSwitches } from '../../relay/config/config.js';
import { repoRoot } from '../support/operator.js';
import { where } from './blocks.js';
import { docBlocks } from './doc-files.js';
import { blocksFor } from './runners.js';
import { columnsInComment } from './shell.js';

const blocks = docBlocks(repoRoot);
const NO_JOBS = { runCleanup: false, runOptimize: false };
/** The least environment the relay's parser takes, for reading RUN_CLEANUP and RUN_OPTIMIZE. */
const BASE_ENV = { DB_DRIVER: 'postgres', DB_HOST: 'db', DB_USER: 'relay', DB_NAME: 'orders' };

function help(program: string): string {
  return execFileSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, program), '--help'], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' },
  });
}

describe('the plain-text examples', () => {
  it.each(blocksFor(blocks, 'layout').map((b) => [where(b), b] as const))(
    '%s lists folders that exist, and every tracked top-level folder',
    (_, block) => {
      const listed = [...block.body.matchAll(/^([a-z][\w.-]*)\/\s/gm)].map((m) => m[1]!);
      expect(
        listed.filter(
          (d) => !existsSync(path.join(repoRoot, d)) || !statSync(path.join(repoRoot, d)).isDirectory(),
        ),
      ).toEqual([]);
      const tracked = execFileSync('git', ['ls-tree', '-d', '--name-only', 'HEAD'], {
        cwd: repoRoot,
        encoding: 'utf8',
      })
        .split('\n')
        .filter((d) => d !== '' && !d.startsWith('.'));
      expect(tracked.filter((d) => !listed.includes(d))).toEqual([]);
    },
  );

  it.each(blocksFor(blocks, 'relay-commands').map((b) => [where(b), b] as const))(
    '%s lists the commands of the relay, with flags and variables its parser takes for them',
    (_, block) => {
      const lines = block.body.trimEnd().split('\n');
      const commands = lines.map((l) => /^outbox-relay \[?(\w+)/.exec(l)![1]!);
      expect(commands).toEqual([...COMMANDS]);
      const usage = help('relay/main.ts');
      for (const [i, line] of lines.entries()) {
        const command = commands[i]!;
        expect(usage).toMatch(new RegExp(`^  ${command}\\s`, 'm'));
        const also = /\(also ([^)]*)\)/.exec(line)?.[1] ?? '';
        for (const flag of also.match(/--\w+/g) ?? [])
          expect(parseArgs([flag], NO_JOBS).command).toBe(command);
        for (const [, name, value] of also.matchAll(/\b([A-Z_]+)=(\w+)/g)) {
          expect(parseArgs([], jobSwitches({ ...BASE_ENV, [name!]: value })).command).toBe(command);
        }
        for (const m of line.matchAll(/`outbox-relay (\w+ [^`]*)`|`(requeue --all)`/g)) {
          expect(parseArgs((m[1] ?? m[2]!).split(' '), NO_JOBS).command).toBe(command);
        }
      }
      expect(parseArgs(['requeue', '--all'], NO_JOBS).requeue).toBe('all');
      expect(parseArgs(['requeue', '7', '8'], NO_JOBS).requeue).toEqual(['7', '8']);
    },
  );

  it.each(blocksFor(blocks, 'operator-usage').map((b) => [where(b), b] as const))(
    '%s is what outbox-relay-operator --help prints',
    (_, block) => {
      expect(help('operator/main.ts')).toBe(block.body);
    },
  );
});

describe('the columns the examples say `kubectl get outboxrelays` prints', () => {
  interface Column {
    name: string;
    priority?: number;
  }
  const crd = yaml.load(readFileSync(path.join(repoRoot, 'crds/outboxrelays.yaml'), 'utf8')) as {
    spec: { versions: Array<{ additionalPrinterColumns: Column[] }> };
  };
  const printed = crd.spec.versions[0]!.additionalPrinterColumns;
  const plain = ['NAME', ...printed.filter((c) => !c.priority).map((c) => c.name.toUpperCase())];
  const wide = [...plain, ...printed.filter((c) => c.priority).map((c) => c.name.toUpperCase())];
  // Run or not (a block marked not runnable still names columns), every command with a column comment.
  const commands = blocks
    .filter((b) => ['sh', ''].includes(b.lang))
    .flatMap((b) =>
      b.body
        .split('\n')
        .filter((l) => /kubectl get outboxrelays/.test(l) && columnsInComment(l).length > 0)
        .map((l) => [where(b), l.replace(/^\$ /, '')] as const),
    );

  it('finds such comments', () => {
    expect(commands.length).toBeGreaterThanOrEqual(3);
  });

  it.each(commands)('%s: %s names columns of the CRD it prints', (_, command) => {
    const columns = / -o wide\b/.test(command) ? wide : plain;
    expect(columnsInComment(command).filter((c) => !columns.includes(c))).toEqual([]);
  });
});
