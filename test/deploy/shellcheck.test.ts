// The shell scripts users run (hack/) and those of the testcontainers images pass ShellCheck (pinned in tools/shellcheck-requirements.txt).
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../tools/devenv/paths.js';
import { CommandError, run } from '../../tools/devenv/proc.js';
import { ensureTool } from '../../tools/deploy/install.js';

async function shellcheck(args: string[], input?: string): Promise<{ code: number | null; output: string }> {
  const bin = await ensureTool('shellcheck');
  try {
    return { code: 0, output: await run(bin, args, input === undefined ? {} : { input }) };
  } catch (error) {
    if (error instanceof CommandError) return { code: error.exitCode, output: error.output };
    throw error;
  }
}

const scripts = readdirSync(path.join(repoRoot, 'hack'))
  .filter((f) => f.endsWith('.sh'))
  .map((f) => `hack/${f}`);
const imageScripts = [
  'tools/devenv/testcontainers/images/postgres/docker-entrypoint.sh',
  'tools/devenv/testcontainers/images/mariadb/docker-entrypoint.sh',
  'tools/devenv/testcontainers/images/kafka/run',
];

describe('ShellCheck', () => {
  beforeAll(async () => {
    await ensureTool('shellcheck');
  }, 600_000);

  it.each([...scripts, ...imageScripts])('finds nothing in %s', async (script) => {
    const result = await shellcheck(['--color=never', path.join(repoRoot, script)]);
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });

  it('reports an unquoted variable (so a clean result means something)', async () => {
    const result = await shellcheck(['--color=never', '-'], '#!/bin/bash\nrm -rf $1/build\n');
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('SC2086');
  });
});
