// The namespaces the docs name (shop, kafka, outbox-system, apps, and the default one) stand for namespaces
// of the test's own: the examples run in them unchanged, and two runs never share one. No imports but types:
// the shell examples' kubectl (shim.ts) loads this too.

export const DOC_NAMESPACES = ['default', 'shop', 'kafka', 'outbox-system', 'apps'] as const;

/** A doc's namespace to the test's. */
export type NamespaceMap = Record<string, string>;

type KubeObject = Record<string, unknown> & {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  subjects?: Array<{ namespace?: string }>;
};

export const mapped = (map: NamespaceMap, namespace: string | undefined) =>
  namespace === undefined ? undefined : (map[namespace] ?? namespace);

/**
 * The objects with the docs' namespaces replaced by the test's: metadata.namespace, a Namespace's name and
 * the namespaces of a (Cluster)RoleBinding's subjects. The objects are changed in place and returned.
 */
export function inTestNamespaces<T>(objects: T[], map: NamespaceMap): T[] {
  for (const object of objects as KubeObject[]) {
    if (!object || typeof object !== 'object' || !object.metadata) continue;
    if (object.kind === 'Namespace') object.metadata.name = mapped(map, object.metadata.name);
    else if (object.metadata.namespace !== undefined) {
      object.metadata.namespace = mapped(map, object.metadata.namespace);
    }
    for (const subject of object.subjects ?? []) subject.namespace = mapped(map, subject.namespace);
  }
  return objects;
}
