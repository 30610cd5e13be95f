// Namespaces of the test's own for the namespaces the docs name (namespace-map.ts). One an example creates
// itself (`kubectl create namespace outbox-system`) gets a name of the test's but is left for the example to
// create; all are deleted at the end.
import { createNamespace, kubectl, uniqueName } from '../support/servers.js';
import { DOC_NAMESPACES, type NamespaceMap } from './namespace-map.js';

export interface DocNamespaces {
  map: NamespaceMap;
  remove(): Promise<void>;
}

export async function createDocNamespaces(
  prefix: string,
  createdByExample: string[] = [],
): Promise<DocNamespaces> {
  const names = await Promise.all(
    DOC_NAMESPACES.map(async (n) => {
      const ours = `${prefix}-${n === 'outbox-system' ? 'system' : n}`;
      if (createdByExample.includes(n)) return uniqueName(`t-${ours}`).slice(0, 63);
      return (await createNamespace(ours)).name;
    }),
  );
  return {
    map: Object.fromEntries(DOC_NAMESPACES.map((n, i) => [n, names[i]!])),
    remove: async () => {
      await Promise.all(
        names.map((name) => kubectl(['delete', 'namespace', name, '--wait=false', '--ignore-not-found'])),
      );
    },
  };
}

/** The namespaces a shell example creates itself. */
export function namespacesCreatedBy(script: string): string[] {
  return [...script.matchAll(/kubectl create (?:namespace|ns) ([\w.-]+)/g)].map((m) => m[1]!);
}
