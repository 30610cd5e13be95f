// One watch request: the API server streams one JSON event per line until it closes the request (at
// timeoutSeconds) or fails. Prepared as every other request of the operator (client.ts: plain node:https
// through the shared keep-alive agent); the library's Watch needed its KubeConfig, whose module loads every
// generated API model.
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

export interface WatchHandle {
  /** Resolves when the stream ended normally; rejects with a KubeApiError when it failed. */
  done: Promise<void>;
  abort(): void;
}

export interface WatchOptions<T extends KubeObject> {
  path: string;
  resourceVersion: string;
  labelSelector?: string;
  /** The API server ends the watch after this long; a new one starts from the last resourceVersion. */
  timeoutSeconds: number;
  onEvent: (type: WatchEventType, object: T) => void;
}

export function startWatch<T extends KubeObject>(conn: KubeConnection, o: WatchOptions<T>): WatchHandle {
  let request: http.ClientRequest | undefined;
  let aborted = false;
  const fail = (status: number, reason: string, message: string) =>
    new KubeApiError('WATCH', o.path, status, reason, message);
  const done = (async () => {
    const { url, opts, lib } = await prepareRequest(conn, 'GET', o.path, {
      watch: 'true',
      allowWatchBookmarks: 'true',
      resourceVersion: o.resourceVersion,
      timeoutSeconds: String(o.timeoutSeconds),
      labelSelector: o.labelSelector || undefined,
    });
    await new Promise<void>((resolve, reject) => {
      if (aborted) return resolve();
      // Silence longer than the server's own timeout means the connection is gone.
      const req = lib.request(url, { ...opts, timeout: (o.timeoutSeconds + 30) * 1000 }, (res) => {
        const status = res.statusCode ?? 0;
        if (status !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            reject(responseError('WATCH', o.path, status, res.statusMessage, text));
          });
          return;
        }
        const lines = createInterface({ input: res, crlfDelay: Infinity });
        lines.on('line', (line) => {
          if (!line.trim()) return;
          let event: { type: WatchEventType; object: T };
          try {
            event = JSON.parse(line) as typeof event;
          } catch {
            reject(fail(0, 'InvalidWatchEvent', line.slice(0, 200)));
            req.destroy();
            return;
          }
          o.onEvent(event.type, event.object);
        });
        const onStreamError = (e: Error) =>
          aborted ? resolve() : reject(fail(0, 'NetworkError', e.message));
        res.on('error', onStreamError);
        lines.on('error', onStreamError); // readline passes on the response's errors
        res.on('close', () =>
          res.complete || aborted ? resolve() : reject(fail(0, 'NetworkError', 'closed')),
        );
      });
      request = req;
      req.on('timeout', () => req.destroy(new Error('no data within the watch timeout')));
      req.on('error', (e) => (aborted ? resolve() : reject(fail(0, 'NetworkError', e.message))));
      req.end();
    });
  })();
  return {
    done,
    abort() {
      aborted = true;
      request?.destroy();
    },
  };
}
