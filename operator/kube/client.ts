// A small JSON client for the Kubernetes API: a KubeConnection (connection.ts: our reading of the kubeconfig,
// or the library's KubeConfig) does authentication and TLS; we send plain JSON so objects come back exactly
// as the API server wrote them (no type conversions), and errors are typed with the status code and whether
// a retry can help. The watch (watch.ts) is sent the same way.
import https from 'node:https';
import http from 'node:http';
import { sharedAgent } from './agents.js';
import { KubeApiError, parseSuccessBody, responseError } from './errors.js';

export { KubeApiError, responseError } from './errors.js';

/** Where the API server is and how to authenticate: what the library's KubeConfig offers, and ours. */
export interface KubeConnection {
  getCurrentCluster(): { server: string } | null;
  /** Puts TLS material and credentials on the request options. */
  applyToHTTPSOptions(opts: https.RequestOptions): Promise<void>;
}

/**
 * Where a request goes and how: the URL with its query, the connection's credentials and TLS material, and
 * the shared keep-alive agent (agents.ts).
 */
export async function prepareRequest(
  kc: KubeConnection,
  method: string,
  path: string,
  query: Record<string, string | undefined> = {},
): Promise<{ url: URL; opts: https.RequestOptions; lib: typeof http | typeof https }> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(cluster.server + path);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
  const opts: https.RequestOptions = { method, headers: { Accept: 'application/json' } };
  await kc.applyToHTTPSOptions(opts);
  if (url.protocol === 'https:') opts.agent = sharedAgent(opts);
  return { url, opts, lib: url.protocol === 'http:' ? http : https };
}

export interface RequestOptions {
  body?: unknown;
  contentType?: string;
  query?: Record<string, string | undefined>;
  /** Another representation than plain JSON objects (METADATA_LIST: metadata only). */
  accept?: string;
}

/** Lists and watch events of objects' metadata only (PartialObjectMetadata): a Secret without its data. */
export const METADATA_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';
export const METADATA_OBJECT = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    ownerReferences?: Array<{
      apiVersion: string;
      kind: string;
      name: string;
      uid: string;
      controller?: boolean;
    }>;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deletionTimestamp?: string;
  };
  [key: string]: unknown;
}

export interface KubeList<T> {
  metadata?: { resourceVersion?: string };
  items: T[];
}

export const APPLY_PATCH = 'application/apply-patch+yaml';
export const MERGE_PATCH = 'application/merge-patch+json';

/** What a request was, for a metric: APPLY for a server-side apply (a PATCH on the wire), as the API server counts it. */
export type RequestObserver = (verb: string, resource: string) => void;

export class KubeClient {
  constructor(
    private readonly kc: KubeConnection,
    private readonly timeoutMs = 30_000,
    private readonly observe: RequestObserver = () => undefined,
  ) {}

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    this.observe(options.contentType === APPLY_PATCH ? 'APPLY' : method, resourceOf(path));
    const { url, opts, lib } = await prepareRequest(this.kc, method, path, options.query);
    if (options.accept) opts.headers = { ...opts.headers, Accept: options.accept };
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    if (body !== undefined) {
      opts.headers = {
        ...opts.headers,
        'Content-Type': options.contentType ?? 'application/json',
        'Content-Length': Buffer.byteLength(body),
      };
    }
    return new Promise<T>((resolve, reject) => {
      const req = lib.request(url, { ...opts, timeout: this.timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => reject(new KubeApiError(method, path, 0, 'NetworkError', e.message)));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) {
            reject(responseError(method, path, status, res.statusMessage, text));
            return;
          }
          // A body that is not JSON rejects: thrown from this listener, it would escape the promise and
          // end the process.
          try {
            resolve(parseSuccessBody<T>(method, path, res, text));
          } catch (err) {
            reject(err);
          }
        });
      });
      req.on('timeout', () => req.destroy(new Error(`timed out after ${this.timeoutMs} ms`)));
      req.on('error', (e) => reject(new KubeApiError(method, path, 0, 'NetworkError', e.message)));
      req.end(body);
    });
  }

  /** The object, or undefined when it does not exist. */
  async get<T>(path: string): Promise<T | undefined> {
    try {
      return await this.request<T>('GET', path);
    } catch (e) {
      if (e instanceof KubeApiError && e.statusCode === 404) return undefined;
      throw e;
    }
  }

  list<T>(path: string, labelSelector?: string): Promise<KubeList<T>> {
    return this.request<KubeList<T>>('GET', path, { query: { labelSelector } });
  }

  /** Server-side apply under our field manager; force takes fields back from whoever changed them. */
  apply<T>(path: string, object: unknown, fieldManager: string): Promise<T> {
    return this.request<T>('PATCH', path, {
      body: object,
      contentType: APPLY_PATCH,
      query: { fieldManager, force: 'true' },
    });
  }

  mergePatch<T>(path: string, patch: unknown, fieldManager: string): Promise<T> {
    return this.request<T>('PATCH', path, { body: patch, contentType: MERGE_PATCH, query: { fieldManager } });
  }

  create<T>(path: string, object: unknown, fieldManager: string): Promise<T> {
    return this.request<T>('POST', path, { body: object, query: { fieldManager } });
  }

  replace<T>(path: string, object: unknown, fieldManager: string): Promise<T> {
    return this.request<T>('PUT', path, { body: object, query: { fieldManager } });
  }

  /** Deletes if present; the precondition on uid keeps us from deleting a namesake created since. */
  async delete(path: string, uid?: string): Promise<void> {
    try {
      await this.request('DELETE', path, {
        body: {
          apiVersion: 'v1',
          kind: 'DeleteOptions',
          propagationPolicy: 'Background',
          ...(uid ? { preconditions: { uid } } : {}),
        },
      });
    } catch (e) {
      if (e instanceof KubeApiError && e.statusCode === 404) return;
      throw e;
    }
  }
}

/** The REST path of a resource collection or object. */
export function resourcePath(apiVersion: string, plural: string, namespace?: string, name?: string): string {
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const ns = namespace ? `/namespaces/${namespace}` : '';
  return `${base}${ns}/${plural}${name ? `/${name}` : ''}`;
}

/** The resource (and subresource) a REST path names: "deployments", "outboxrelays/status". */
export function resourceOf(path: string): string {
  const parts = path.split('?')[0]!.split('/').filter(Boolean);
  let rest = parts.slice(parts[0] === 'api' ? 2 : 3);
  if (rest[0] === 'namespaces' && rest.length > 2) rest = rest.slice(2);
  return rest[2] ? `${rest[0]}/${rest[2]}` : (rest[0] ?? '');
}

/** Kubernetes MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
