// The smallest Kubernetes API client the report needs: a server-side apply of the OutboxRelay's status
// subresource, answered with the whole object, and a JSON patch of it (the pruning of the publishers of
// pods gone: prune-publishers.ts), over plain node:https (the relay image carries no Kubernetes client
// library: scripts/image-dependencies.json). In a pod it uses the service account's token and CA; the
// token is read from its file on every write, since the kubelet rotates it (a projected token lives an
// hour). Errors are StatusWriteError: retriable for a lost connection, a timeout, 429 and 5xx; never
// carrying the token (it is only ever put in the Authorization header, and no error keeps the request).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { RelayError } from '../errors.js';
import type { DatabaseReport, StatusApplyBody } from './report-types.js';

// The operator's API (operator/api/types.ts API_VERSION; a test holds them equal): the relay imports
// nothing of the operator.
export const API_VERSION = 'outbox.kafka-relay.dev/v1alpha1';
export const PLURAL = 'outboxrelays';
export const APPLY_PATCH = 'application/apply-patch+yaml';
export const JSON_PATCH = 'application/json-patch+json';
/** An error's body: enough for the API server's message. */
const MAX_BODY = 64 * 1024;
/** An object's body: more than etcd keeps (1.5 MiB); a longer answer is not read, and nothing pruned. */
export const MAX_OBJECT = 3 * 1024 * 1024;

export class StatusWriteError extends RelayError {
  constructor(
    message: string,
    readonly statusCode: number | undefined,
    options: { retriable: boolean; cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface StatusClientOptions {
  /** https://host:port of the API server (http:// only for tests and local proxies). */
  apiUrl: string;
  tokenFile: string;
  /** The CA of the API server's certificate; undefined trusts the system's CAs. */
  caFile?: string;
  namespace: string;
  name: string;
  podName: string;
  timeoutMs?: number;
  readFile?: (path: string) => string;
}

/** One operation of a JSON patch (RFC 6902), of the kinds the relay sends. */
export type JsonPatchOperation =
  { op: 'test'; path: string; value: unknown } | { op: 'remove'; path: string };

export interface StatusClient {
  readonly path: string;
  readonly fieldManager: string;
  /**
   * Applies these entries as this pod's share of status.databases. Resolves with the object as the API
   * server answered (every pod's entries), or undefined when the answer was not JSON or too long to read.
   */
  apply(databases: readonly DatabaseReport[], timeoutMs?: number): Promise<unknown>;
  /** One JSON patch of the status subresource; a failed `test` is a StatusWriteError with 422. */
  patchStatus(operations: readonly JsonPatchOperation[], timeoutMs?: number): Promise<void>;
  /** The object as it is now (undefined when the answer was not JSON or too long to read). */
  get(timeoutMs?: number): Promise<unknown>;
}

/** The API server refuses a longer field manager. */
export const MAX_FIELD_MANAGER = 128;

/**
 * The field manager of one pod: each pod owns only the entries it applied. A pod name can be longer than
 * a field manager may be; such a name is cut and a digest of the whole name keeps two pods apart (the
 * pods of one ReplicaSet differ only at the end of their names).
 */
export function fieldManagerOf(podName: string): string {
  const manager = `outbox-relay-${podName}`;
  if (manager.length <= MAX_FIELD_MANAGER) return manager;
  const digest = createHash('sha256').update(podName).digest('hex').slice(0, 16);
  return `${manager.slice(0, MAX_FIELD_MANAGER - digest.length - 1)}-${digest}`;
}

/** The status subresource; `force` (taking fields over from other managers) is only for an apply. */
export function statusPath(namespace: string, name: string, fieldManager: string, force = true): string {
  const base = `/apis/${API_VERSION}/namespaces/${encodeURIComponent(namespace)}/${PLURAL}`;
  const query = `fieldManager=${encodeURIComponent(fieldManager)}${force ? '&force=true' : ''}`;
  return `${base}/${encodeURIComponent(name)}/status?${query}`;
}

function readSecretFile(read: (path: string) => string, path: string, what: string): string {
  try {
    return read(path).trim();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new StatusWriteError(`cannot read the ${what} file ${path} (${code})`, undefined, {
      retriable: false,
    });
  }
}

/** The API server's own words from a Status body, else the status line. */
function serverMessage(statusCode: number, statusMessage: string | undefined, body: string): string {
  try {
    const status = JSON.parse(body) as { message?: unknown; reason?: unknown };
    if (typeof status.message === 'string')
      return `${statusCode} ${String(status.reason ?? '')}: ${status.message}`;
  } catch {
    // not a Status object: the status line says enough
  }
  return `${statusCode} ${statusMessage ?? ''}`.trim();
}

const retriableStatus = (code: number) => code === 429 || code >= 500;

/**
 * The API server's answer to a request: resolves on 2xx with the body (undefined beyond MAX_OBJECT),
 * rejects with a typed, token-free error.
 */
function answer(
  req: http.ClientRequest,
  what: string,
  timeoutMs: number,
  doing = 'write',
): Promise<string | undefined> {
  return new Promise<string | undefined>((resolve, reject) => {
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error: NodeJS.ErrnoException) => {
      const why = error.code ? `${error.code}: ${error.message}` : error.message;
      reject(new StatusWriteError(`cannot ${doing} ${what}: ${why}`, undefined, { retriable: true }));
    });
    req.on('response', (res) => {
      const code = res.statusCode ?? 0;
      const limit = code >= 200 && code < 300 ? MAX_OBJECT : MAX_BODY;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (text.length <= limit) text += chunk;
      });
      res.on('end', () => {
        if (code >= 200 && code < 300) return resolve(text.length > limit ? undefined : text);
        const message = `cannot ${doing} ${what}: ${serverMessage(code, res.statusMessage, text)}`;
        reject(new StatusWriteError(message, code, { retriable: retriableStatus(code) }));
      });
      res.on('error', (error) => {
        reject(
          new StatusWriteError(`cannot ${doing} ${what}: ${error.message}`, res.statusCode, {
            retriable: true,
          }),
        );
      });
    });
  });
}

interface PatchRequest {
  url: URL;
  /** Absent: a GET. */
  contentType?: string;
  body?: string;
  timeoutMs: number;
}

/** One PATCH (or GET), with the token (and CA) read from their files now: they rotate. */
function patch(options: StatusClientOptions, request: PatchRequest): Promise<string | undefined> {
  const { url, body = '', timeoutMs } = request;
  const read = options.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const token = readSecretFile(read, options.tokenFile, 'service account token');
  const secure = url.protocol === 'https:';
  const ca = secure && options.caFile ? readSecretFile(read, options.caFile, 'CA') : undefined;
  const req = (secure ? https : http).request(url, {
    method: request.contentType === undefined ? 'GET' : 'PATCH',
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/json',
      ...(request.contentType === undefined
        ? {}
        : { 'content-type': request.contentType, 'content-length': Buffer.byteLength(body) }),
    },
    ...(ca ? { ca } : {}),
    timeout: timeoutMs,
  });
  const what = `the status of OutboxRelay ${options.namespace}/${options.name}`;
  const answered = answer(req, what, timeoutMs, request.contentType === undefined ? 'read' : 'write');
  req.end(body);
  return answered;
}

/** The answer's object; undefined when it is not JSON (or was not read). */
function parsed(text: string | undefined): unknown {
  try {
    return text === undefined ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

export function createStatusClient(options: StatusClientOptions): StatusClient {
  const fieldManager = fieldManagerOf(options.podName);
  const path = statusPath(options.namespace, options.name, fieldManager);
  const url = new URL(path, options.apiUrl);
  const patchUrl = new URL(statusPath(options.namespace, options.name, fieldManager, false), options.apiUrl);
  const getUrl = new URL(path.slice(0, path.indexOf('?')), options.apiUrl);
  const defaultTimeout = options.timeoutMs ?? 5000;
  return {
    path,
    fieldManager,
    async apply(databases, timeoutMs = defaultTimeout) {
      const doc: StatusApplyBody = {
        apiVersion: API_VERSION,
        kind: 'OutboxRelay',
        metadata: { name: options.name, namespace: options.namespace },
        status: { databases: [...databases] },
      };
      const body = JSON.stringify(doc);
      return parsed(await patch(options, { url, contentType: APPLY_PATCH, body, timeoutMs }));
    },
    async patchStatus(operations, timeoutMs = defaultTimeout) {
      const body = JSON.stringify(operations);
      await patch(options, { url: patchUrl, contentType: JSON_PATCH, body, timeoutMs });
    },
    async get(timeoutMs = defaultTimeout) {
      return parsed(await patch(options, { url: getUrl, timeoutMs }));
    },
  };
}
