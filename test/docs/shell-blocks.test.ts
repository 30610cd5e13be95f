// The shell examples of the docs that can run here, run by bash as written (shell.ts says with what) against
// the local servers, each in namespaces and a folder of its own after the setup its marker names; each exits
// 0 and does what the doc says (the expectations below). A transcript (`$ command` lines) runs its commands,
// and the header of each output it shows is compared: the rows depend on the cluster's state. A command's
// comment that names columns in capitals names columns of its output.
import path from 'node:path';
import { installCrd, repoRoot } from '../support/operator.js';
import { localHelm, type Helm } from '../support/helm.js';
import { requireTool } from '../../tools/deploy/tools.js';
import { installMonitoringCrds } from '../../tools/deploy/cluster.js';
import { where, type Block } from './blocks.js';
import { docBlocks } from './doc-files.js';
import { createDocNamespaces, namespacesCreatedBy } from './namespaces.js';
import { blocksFor } from './runners.js';
import { columns, columnsInComment, createShell, transcript, type Shell, type ShellResult } from './shell.js';
import { createSqlDatabase, type SqlDatabase } from './sql.js';
import { expectations, type ShellContext } from './shell-expectations.js';

const blocks = docBlocks(repoRoot);
const shellBlocks = blocksFor(blocks, 'shell');
const transcripts = blocksFor(blocks, 'transcript');

function expectationsOf(block: Block) {
  return expectations.filter((e) => e.file === block.file && block.body.includes(e.contains));
}

function expectSucceeded(result: ShellResult): void {
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
}

describe('the shell examples, against the local servers', () => {
  let database: SqlDatabase;
  let helm: Helm;

  beforeAll(async () => {
    await installCrd();
    await installMonitoringCrds();
    helm = await localHelm();
    database = await createSqlDatabase('postgres');
  }, 120_000);

  afterAll(async () => {
    helm?.dispose();
    await database?.drop();
  });

  /** Runs `fn` with a shell of its own: namespaces, a folder, the block's setup applied. */
  async function withShell<T>(block: Block, fn: (shell: Shell, ctx: ShellContext) => Promise<T>): Promise<T> {
    const ns = await createDocNamespaces('doc-sh', namespacesCreatedBy(block.body));
    const shell = createShell({ namespaces: ns.map, db: database.db, helm: requireTool('helm') });
    try {
      for (const file of block.marker.setup ?? []) {
        expectSucceeded(await shell.run(`kubectl apply --server-side -f '${path.join(repoRoot, file)}'`));
      }
      return await fn(shell, { namespaces: ns.map, db: database.db, dir: shell.dir });
    } finally {
      shell.dispose();
      await ns.remove();
    }
  }

  it('has the expectations each for one block', () => {
    const matched = expectations.map((e) => [
      e.file,
      e.contains,
      shellBlocks.filter((b) => expectationsOf(b).includes(e)).length,
    ]);
    expect(matched.filter(([, , n]) => n !== 1)).toEqual([]);
  });

  it.each(shellBlocks.map((b) => [where(b), b] as const))(
    '%s runs and does what the doc says',
    async (_, block) => {
      await withShell(block, async (shell, ctx) => {
        for (const e of expectationsOf(block)) await e.before?.(ctx);
        const result = await shell.run(block.body);
        expectSucceeded(result);
        for (const e of expectationsOf(block)) await e.check(result, ctx);
      });
    },
  );

  it.each(transcripts.map((b) => [where(b), b] as const))(
    '%s prints the headers it shows and the columns its comments name',
    async (_, block) => {
      await withShell(block, async (shell) => {
        for (const step of transcript(block.body)) {
          const result = await shell.run(step.command);
          expectSucceeded(result);
          const header = columns(result.stdout.split('\n')[0] ?? '');
          if (step.output.length > 0)
            expect({ command: step.command, header }).toEqual({
              command: step.command,
              header: columns(step.output[0]!),
            });
          expect(header).toEqual(expect.arrayContaining(columnsInComment(step.command)));
        }
      });
    },
  );
});
