// The client layer imports nothing from the domain: operator/kube/ is a small Kubernetes client that the
// controller uses, never the other way round (the domain adapts, as controller/events.ts does for events).
// Every import of every file here is read with TypeScript's own scanner (static, re-export and dynamic
// imports; comments and strings are not imports) and resolved against the file's folder.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const KUBE_DIR = path.dirname(fileURLToPath(import.meta.url));
const OPERATOR_DIR = path.dirname(KUBE_DIR);
const FORBIDDEN = ['api', 'controller', 'render'].map((d) => path.join(OPERATOR_DIR, d));

/** The imports of a source text that land in a forbidden folder, as written. */
function forbiddenImports(fileDir: string, source: string): string[] {
  const { importedFiles } = ts.preProcessFile(source, true, true);
  return importedFiles
    .map((f) => f.fileName)
    .filter((spec) => spec.startsWith('.'))
    .filter((spec) => {
      const target = path.resolve(fileDir, spec);
      return FORBIDDEN.some((dir) => target === dir || target.startsWith(dir + path.sep));
    });
}

describe('operator/kube/ layering', () => {
  it.each([
    ["import { KIND } from '../api/types.js';", ['../api/types.js']],
    [
      "import type { Cache } from '../controller/outboxrelay-controller.js';",
      ['../controller/outboxrelay-controller.js'],
    ],
    ["export { childName } from '../render/labels.js';", ['../render/labels.js']],
    ["const m = await import('./../render/children.js');", ['./../render/children.js']],
    ["import { sleep } from '../runtime/clock.js';\n// from '../api/types.js'", []],
    ["import { KubeClient } from './client.js';", []],
  ])('the scanner finds the forbidden imports of %j', (source, expected) => {
    expect(forbiddenImports(KUBE_DIR, source)).toEqual(expected);
  });

  it('no file in operator/kube/ imports from operator/api, operator/controller or operator/render', () => {
    const files = readdirSync(KUBE_DIR).filter((f) => f.endsWith('.ts'));
    expect(files).toEqual(expect.arrayContaining(['client.ts', 'events.ts', 'watch.ts']));
    const offenders = files.flatMap((f) =>
      forbiddenImports(KUBE_DIR, readFileSync(path.join(KUBE_DIR, f), 'utf8')).map((spec) => `${f}: ${spec}`),
    );
    expect(offenders).toEqual([]);
  });
});
