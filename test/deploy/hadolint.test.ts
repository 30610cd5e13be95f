// The Dockerfiles pass hadolint (pinned in tools/hadolint-requirements.txt) with its default rules.
import path from 'node:path';
import { repoRoot } from '../../tools/devenv/paths.js';
import { run, CommandError } from '../../tools/devenv/proc.js';
import { ensureTool } from '../../tools/deploy/install.js';
import { requireTool } from '../../tools/deploy/tools.js';

async function hadolint(args: string[], input?: string): Promise<{ code: number | null; output: string }> {
  try {
    return {
      code: 0,
      output: await run(requireTool('hadolint'), args, input === undefined ? {} : { input }),
    };
  } catch (error) {
    if (error instanceof CommandError) return { code: error.exitCode, output: error.output };
    throw error;
  }
}

describe('hadolint', () => {
  beforeAll(async () => {
    await ensureTool('hadolint');
  }, 600_000);

  it.each([
    'Dockerfile.relay',
    'Dockerfile.operator',
    // the images TEST_SERVERS=testcontainers builds where no registry serves the official ones
    'tools/devenv/testcontainers/images/postgres/Dockerfile',
    'tools/devenv/testcontainers/images/mariadb/Dockerfile',
    'tools/devenv/testcontainers/images/kafka/Dockerfile',
  ])('finds nothing in %s', async (file) => {
    const result = await hadolint(['--no-color', path.join(repoRoot, file)]);
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });

  it('reports an unpinned base image and an unpinned package (so a clean result means something)', async () => {
    const bad = 'FROM node:latest\nRUN apt-get update && apt-get install -y tini\n';
    const result = await hadolint(['--no-color', '-'], bad);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('DL3007');
    expect(result.output).toContain('DL3008');
  });
});
