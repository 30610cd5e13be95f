// What the operator holds and what the API server refuses it, as metrics: the objects in its caches by
// resource (Secrets: only the referenced ones, secret-watches.ts), the per-name Secret watches, and the
// requests answered 403, watches included. Under least-privilege RBAC a refusal means the rules and the
// code disagree, so the count should stay 0.
import { Counter, Gauge, type Registry } from 'prom-client';
import {
  KubeApiError,
  KubeClient,
  resourceOf,
  type KubeConnection,
  type RequestOptions,
} from './kube/client.js';

export interface CacheMetricSources {
  /** Objects held per cached resource. */
  cachedObjects: () => Array<{ resource: string; count: number }>;
  /** Watches of single Secrets, and metadata watches of whole namespaces' Secrets. */
  secretWatches: () => { byName: number; byNamespace: number };
}

export interface CacheMetrics {
  refused: Counter<'verb' | 'resource'>;
  /** Counts a failure if it is a refusal (403). */
  noteFailure(err: unknown): void;
}

export function registerCacheMetrics(registry: Registry, sources: CacheMetricSources): CacheMetrics {
  const refused = new Counter({
    name: 'outbox_operator_api_refused_total',
    help: 'Requests to the Kubernetes API refused with 403 Forbidden (watches included), by verb and resource.',
    labelNames: ['verb', 'resource'],
    registers: [registry],
  });
  new Gauge({
    name: 'outbox_operator_cached_objects',
    help: 'Objects held in the informer caches, by resource (Secrets: only those an OutboxRelay references).',
    labelNames: ['resource'],
    registers: [registry],
    collect() {
      for (const { resource, count } of sources.cachedObjects()) this.set({ resource }, count);
    },
  });
  new Gauge({
    name: 'outbox_operator_secret_watches',
    help: 'Watches of Secrets: by name (one per referenced Secret, where a Role names them) or of a namespace (metadata only).',
    labelNames: ['scope'],
    registers: [registry],
    collect() {
      const { byName, byNamespace } = sources.secretWatches();
      this.set({ scope: 'name' }, byName);
      this.set({ scope: 'namespace' }, byNamespace);
    },
  });
  return {
    refused,
    noteFailure(err) {
      if (err instanceof KubeApiError && err.statusCode === 403)
        refused.inc({ verb: err.method, resource: resourceOf(err.path) });
    },
  };
}

/** A client that reports each failed request (for the refusal count) before passing the error on. */
export class ObservedKubeClient extends KubeClient {
  constructor(
    kc: KubeConnection,
    observe: (verb: string, resource: string) => void,
    private readonly onFailure: (err: unknown) => void,
  ) {
    super(kc, undefined, observe);
  }

  override async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    try {
      return await super.request<T>(method, path, options);
    } catch (err) {
      this.onFailure(err);
      throw err;
    }
  }
}
