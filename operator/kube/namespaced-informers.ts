// One informer per watched namespace, read as one cache. A namespaced Role grants list and watch in its own
// namespace only, so an operator watching several namespaces (and not all of them) keeps one collection per
// namespace; undefined namespaces is one informer over the whole cluster.
import type { KubeObject } from './client.js';
import type { ResilientInformer } from './informer.js';

export function perNamespace<T extends KubeObject>(
  name: string,
  namespaces: readonly string[] | undefined,
  make: (namespace: string | undefined) => ResilientInformer<T>,
): ResilientInformer<T> {
  if (!namespaces) return make(undefined);
  const byNamespace = new Map(namespaces.map((ns) => [ns, make(ns)] as const));
  const all = [...byNamespace.values()];
  return {
    name,
    async start() {
      await Promise.all(all.map((i) => i.start()));
    },
    async stop() {
      await Promise.all(all.map((i) => i.stop()));
    },
    get: (objectName, namespace) =>
      namespace === undefined ? undefined : byNamespace.get(namespace)?.get(objectName, namespace),
    list: (namespace) =>
      namespace === undefined
        ? all.flatMap((i) => i.list())
        : (byNamespace.get(namespace)?.list(namespace) ?? []),
    synced: () => all.every((i) => i.synced()),
    restarts: () => all.reduce((sum, i) => sum + i.restarts(), 0),
  };
}
