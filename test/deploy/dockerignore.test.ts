// The repository's .dockerignore, read as Docker reads it: what the Dockerfiles COPY is in the build
// context, tests and test doubles are not.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../tools/devenv/paths.js';
import { isIgnored, parseDockerignore } from '../../tools/deploy/dockerignore.js';

const patterns = parseDockerignore(readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8'));

describe('.dockerignore', () => {
  it.each([
    'package.json',
    'package-lock.json',
    'tsconfig.build.json',
    'scripts/build.mjs',
    'scripts/image-modules.mjs',
    'scripts/image-dependencies.json',
    'relay/main.ts',
    'relay/config/definitions.ts',
    'operator/render/deployment.ts',
  ])('keeps %s in the build context', (file) => {
    expect(isIgnored(patterns, file)).toBe(false);
  });

  it.each([
    'node_modules/pg/package.json',
    'dist/relay/main.js',
    '.git/HEAD',
    '.devenv/env.sh',
    'test/relay/cli.test.ts',
    'relay/retry.test.ts',
    'relay/testing/fake-store.ts',
    'operator/runtime/fake-clock.ts',
    'operator/render/testdata/deployment.yaml',
    'relay/README.md',
    'scripts/other.mjs',
    'docs/configuration.md',
  ])('leaves %s out', (file) => {
    expect(isIgnored(patterns, file)).toBe(true);
  });
});
