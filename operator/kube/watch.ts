// One watch request: the API server streams one JSON event per line until it closes the request (at
// timeoutSeconds) or fails. Prepared as every other request of the operator (client.ts: plain node:https
// through the shared keep-alive agent); the library's Watch needed its KubeConfig, whose module loads every
// generated API model.
//
// Everything that can go wrong on the stream settles `done` (a listener that threw would escape to the
// process): a line that is not an event, a handler that throws, a cut connection. Once settled or
// aborted, no further line is handed on, not even the rest of the chunk being read.
import type http from 'node:http';
import { createInterface } from 'node:readline';
import {
  KubeApiError,
  prepareRequest,
  responseError,
  type KubeConnection,
  type KubeObject,
} from './client.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

const EVENT_TYPES: ReadonlySet<string> = new Set<WatchEventType>([
  'ADDED',
  'MODIFIED',
  'DELETED',
  'BOOKMARK',
  'ERROR',
]);

export interface WatchHandle {
  /** Resolves when the stream ended normally or was aborted; rejects with a KubeApiError when it failed. */
  done: Promise<void>;
  abort(): void;
}

export interface WatchOptions<T extends KubeObject> {
  path: string;
  resourceVersion: string;
  labelSelector?: string;
  /** metadata.name=<name> watches one object, as a Role with resourceNames allows. */
  fieldSelector?: string;
  /** Another representation than plain JSON objects (client.ts METADATA_OBJECT: metadata only). */
  accept?: string;
  /** The API server ends the watch after this long; a new one starts from the last resourceVersion. */
  timeoutSeconds: number;
  onEvent: (type: WatchEventType, object: T) => void;
}

interface WatchState {
  aborted: boolean;
  finished: boolean;
  request?: http.ClientRequest;
}

type Prepared = Awaited<ReturnType<typeof prepareRequest>>;

export function startWatch<T extends KubeObject>(conn: KubeConnection, o: WatchOptions<T>): WatchHandle {
  const state: WatchState = { aborted: false, finished: false };
  const query = {
    watch: 'true',
    allowWatchBookmarks: 'true',
    resourceVersion: o.resourceVersion,
    timeoutSeconds: String(o.timeoutSeconds),
    labelSelector: o.labelSelector || undefined,
    fieldSelector: o.fieldSelector || undefined,
  };
  const done = prepareRequest(conn, 'GET', o.path, query).then((prepared) => {
    if (o.accept) prepared.opts.headers = { ...prepared.opts.headers, Accept: o.accept };
    return state.aborted ? undefined : stream(prepared, o, state);
  });
  return {
    done,
    abort() {
      state.aborted = true;
      state.request?.destroy();
    },
  };
}

function stream<T extends KubeObject>(p: Prepared, o: WatchOptions<T>, state: WatchState): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const end = (err?: unknown) => {
      if (state.finished) return;
      state.finished = true;
      if (err === undefined || state.aborted) resolve();
      else reject(err);
    };
    // Silence longer than the server's own timeout means the connection is gone.
    const req = p.lib.request(p.url, { ...p.opts, timeout: (o.timeoutSeconds + 30) * 1000 }, (res) => {
      if (res.statusCode === 200) readEvents(res, o, state, end, () => req.destroy());
      else readFailure(res, o.path, end);
    });
    state.request = req;
    req.on('timeout', () => req.destroy(new Error('no data within the watch timeout')));
    req.on('error', (e) => end(networkError(o.path, e.message)));
    req.end();
  });
}

function readEvents<T extends KubeObject>(
  res: http.IncomingMessage,
  o: WatchOptions<T>,
  state: WatchState,
  end: (err?: unknown) => void,
  destroy: () => void,
): void {
  const lines = createInterface({ input: res, crlfDelay: Infinity });
  lines.on('line', (line) => {
    if (state.finished || state.aborted || !line.trim()) return;
    const event = parseEvent<T>(line);
    try {
      // The line's text stays out of the error: it could be a Secret.
      if (!event)
        throw new KubeApiError('WATCH', o.path, 0, 'InvalidWatchEvent', `${line.length} characters`);
      o.onEvent(event.type, event.object);
    } catch (err) {
      end(err);
      destroy();
    }
  });
  const onStreamError = (e: Error) => end(networkError(o.path, e.message));
  res.on('error', onStreamError);
  lines.on('error', onStreamError); // readline passes on the response's errors
  res.on('close', () => end(res.complete ? undefined : networkError(o.path, 'closed')));
}

function readFailure(res: http.IncomingMessage, path: string, end: (err?: unknown) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('error', (e) => end(networkError(path, e.message)));
  res.on('end', () => {
    const text = Buffer.concat(chunks).toString('utf8');
    end(responseError('WATCH', path, res.statusCode ?? 0, res.statusMessage, text));
  });
}

/** The event on a line, or undefined when the line is not one (not JSON, or not a typed object event). */
function parseEvent<T>(line: string): { type: WatchEventType; object: T } | undefined {
  let event: { type?: unknown; object?: unknown } | null;
  try {
    event = JSON.parse(line) as typeof event;
  } catch {
    return undefined;
  }
  if (typeof event !== 'object' || event === null) return undefined;
  if (typeof event.type !== 'string' || !EVENT_TYPES.has(event.type)) return undefined;
  if (typeof event.object !== 'object' || event.object === null) return undefined;
  return event as { type: WatchEventType; object: T };
}

function networkError(path: string, message: string): KubeApiError {
  return new KubeApiError('WATCH', path, 0, 'NetworkError', message);
}
