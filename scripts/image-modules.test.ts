import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { closure, unused, type LockEntry } from './image-modules.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe("an image's node_modules", () => {
  const lock = (packages: Record<string, LockEntry>) => ({ packages: { '': {}, ...packages } });

  it('follows dependencies to the nearest node_modules, as Node resolves them', () => {
    const packages = lock({
      'node_modules/a': { dependencies: { b: '^2', c: '^1' } },
      'node_modules/a/node_modules/b': { dependencies: { c: '^1' } },
      'node_modules/b': {},
      'node_modules/c': {},
      'node_modules/unrelated': {},
    });
    expect(closure(packages, ['a'])).toEqual([
      'node_modules/a',
      'node_modules/a/node_modules/b',
      'node_modules/c',
    ]);
  });

  it('takes installed optional dependencies and required peers, skips missing optional ones and @types', () => {
    const packages = lock({
      'node_modules/a': {
        optionalDependencies: { gone: '^1', here: '^1' },
        peerDependencies: { peer: '^1', maybe: '^1' },
        peerDependenciesMeta: { maybe: { optional: true } },
        dependencies: { '@types/node': '^20' },
      },
      'node_modules/here': {},
      'node_modules/peer': {},
      'node_modules/@types/node': {},
    });
    expect(closure(packages, ['a'])).toEqual(['node_modules/a', 'node_modules/here', 'node_modules/peer']);
  });

  it('refuses a dev package or a package missing from the lockfile, naming it', () => {
    expect(() => closure(lock({ 'node_modules/a': { dev: true } }), ['a'])).toThrow(
      /node_modules\/a is a dev dependency/,
    );
    expect(() => closure(lock({ 'node_modules/a': { dependencies: { b: '1' } } }), ['a'])).toThrow(
      /b \(needed by node_modules\/a\) is not in package-lock.json/,
    );
  });

  it('leaves out type declarations and source maps only', () => {
    expect(
      ['x/index.d.ts', 'x/index.d.mts', 'x/index.js.map', 'x/index.js', 'x/types.json'].filter(unused),
    ).toEqual(['x/index.d.ts', 'x/index.d.mts', 'x/index.js.map']);
  });

  it("covers every package each program's source imports", () => {
    const programs = JSON.parse(
      readFileSync(path.join(root, 'scripts/image-dependencies.json'), 'utf8'),
    ) as Record<string, string[]>;
    for (const [program, deps] of Object.entries(programs)) {
      const imported = new Set<string>();
      const walk = (dir: string) => {
        for (const entry of readdirSync(dir, { withFileTypes: true })) {
          const full = path.join(dir, entry.name);
          if (entry.isDirectory()) {
            if (entry.name !== 'testing' && entry.name !== 'testdata') walk(full);
          } else if (
            entry.name.endsWith('.ts') &&
            !entry.name.endsWith('.test.ts') &&
            !entry.name.startsWith('fake-')
          ) {
            for (const m of readFileSync(full, 'utf8').matchAll(/(?:from|import\()\s*'([^'.][^']*)'/g)) {
              const spec = m[1]!;
              if (spec.startsWith('node:')) continue;
              imported.add(
                spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!,
              );
            }
          }
        }
      };
      walk(path.join(root, program));
      expect({ program, missing: [...imported].filter((name) => !deps.includes(name)).sort() }).toEqual({
        program,
        missing: [],
      });
    }
  });
});
