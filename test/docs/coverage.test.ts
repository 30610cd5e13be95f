// Every fenced block of the docs users read, and every sample manifest, is run by a doc test or marked in
// the doc as not runnable here with the reason; a block that is neither fails this test, named by file:line.
// No servers: this reads the files only.
import { repoRoot } from '../support/operator.js';
import { where } from './blocks.js';
import { docBlocks, markdownFiles } from './doc-files.js';
import { commandsOf, runnerOf, SHELL_TOOLS } from './runners.js';

const blocks = docBlocks(repoRoot);

function hint(lang: string): string {
  if (['sh', 'bash', 'shell', ''].includes(lang)) {
    return `it runs a program the doc tests do not (they have ${SHELL_TOOLS.join(', ')}): mark it <!-- doc-test: not runnable here: <why> -->`;
  }
  if (lang === 'sql') return 'an SQL block needs a marker naming its databases: <!-- doc-test: postgres -->';
  return 'run it from a runner of test/docs/runners.ts, or mark it <!-- doc-test: not runnable here: <why> -->';
}

describe('the docs examples', () => {
  it('reads the files users read, and finds their blocks', () => {
    const files = markdownFiles(repoRoot);
    expect(files).toEqual(expect.arrayContaining(['README.md', 'docs/deploying.md', 'relay/README.md']));
    expect(files).toContain('config/argocd/README.md');
    expect(blocks.filter((b) => b.file.startsWith('config/samples/')).length).toBeGreaterThanOrEqual(3);
    expect(blocks.length).toBeGreaterThan(40);
  });

  it('has every block run by a doc test or marked not runnable here, with the reason', () => {
    const uncovered = blocks
      .filter((b) => b.marker.notRunnable === undefined && runnerOf(b) === undefined)
      .map((b) => `${where(b)} (\`\`\`${b.lang}): ${hint(b.lang)}`);
    expect(uncovered).toEqual([]);
  });

  it('reads the programs a shell example runs, past its heredocs, continuations and comments', () => {
    const script = [
      "kubectl get secret x -n kafka -o jsonpath='{.data.ca\\.crt}' | base64 -d > ca.crt # copy it",
      'OUTBOX_RELAY_NAME=orders POD_NAME=$(hostname) \\',
      '  outbox-relay run && npm run devenv -- down',
      "kubectl apply -f - <<'YAML'",
      'kind: Secret',
      'YAML',
    ].join('\n');
    expect(commandsOf(script)).toEqual(['kubectl', 'base64', 'outbox-relay', 'npm', 'kubectl']);
  });

  it('marks no block both runnable and not: a marked block has no other directive', () => {
    const mixed = blocks
      .filter((b) => b.marker.notRunnable !== undefined && Object.keys(b.marker).length > 1)
      .map(where);
    expect(mixed).toEqual([]);
  });

  it('names a reason a reader can act on for each block it does not run', () => {
    const short = blocks.filter((b) => (b.marker.notRunnable ?? 'x'.repeat(20)).length < 20).map(where);
    expect(short).toEqual([]);
  });
});
