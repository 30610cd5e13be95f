// /livez, /readyz, /healthz and /metrics. /livez says whether the relay's loops still make progress and
// nothing else (engine/liveness.ts): the liveness probe, so that an outage of the database or of Kafka
// never restarts the pod. /readyz says whether the relay has finished its migrations (and, publishing,
// been let in by Kafka once: commands/run.ts) and reaches its databases and Kafka (one broker is enough: the client works on with the others). /healthz is the Go
// relay's: it pings each database, and with ?readiness=1 also dials each Kafka broker.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { OutboxStore } from '../db/store.js';
import type { Logger } from '../logger.js';
import { listenError } from './listen-error.js';

export interface HttpServerDeps {
  port: number;
  stores: () => readonly OutboxStore[];
  kafkaPing?: () => Promise<void>;
  registry: Registry;
  ready: () => boolean;
  /** /livez; always live when absent. */
  live?: () => { live: boolean; text: string };
  /** /readyz: resolves when Kafka answers; absent (or resolving at once) while nothing is published. */
  kafkaReachable?: () => Promise<void>;
  logger: Logger;
}

export interface HttpServer {
  listen(): Promise<number>;
  close(): Promise<void>;
}

type Answer = [status: number, body: string];

async function healthz(deps: HttpServerDeps, log: Logger, readiness: boolean): Promise<Answer> {
  try {
    await Promise.all(deps.stores().map((s) => s.ping()));
    if (readiness && deps.kafkaPing) await deps.kafkaPing();
    return [200, 'ok\n'];
  } catch (error) {
    log.warn({ err: error }, 'health check failed');
    // The message names the component, never a secret: errors are built without credentials.
    return [503, `unhealthy: ${(error as Error).message}\n`];
  }
}

async function readyz(deps: HttpServerDeps, log: Logger): Promise<Answer> {
  if (!deps.ready()) return [503, 'not ready: starting or migrating\n'];
  const [health, text] = await healthz(deps, log, false);
  if (health !== 200) return [503, `not ready: ${text}`];
  try {
    await deps.kafkaReachable?.();
    return [200, 'ready\n'];
  } catch (error) {
    log.warn({ err: error }, 'readiness check failed');
    return [503, `not ready: ${(error as Error).message}\n`];
  }
}

function livez(deps: HttpServerDeps, log: Logger): Answer {
  const liveness = deps.live?.() ?? { live: true, text: 'live\n' };
  if (!liveness.live) log.error({ reason: liveness.text.trim() }, 'liveness check failed');
  return [liveness.live ? 200 : 503, liveness.text];
}

export function createHttpServer(deps: HttpServerDeps): HttpServer {
  const log = deps.logger.child({ component: 'http' });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://relay');
    let status = 404;
    let body = 'not found\n';
    let type = 'text/plain; charset=utf-8';
    if (url.pathname === '/healthz') {
      [status, body] = await healthz(deps, log, url.searchParams.get('readiness') === '1');
    } else if (url.pathname === '/readyz') {
      [status, body] = await readyz(deps, log);
    } else if (url.pathname === '/livez') {
      [status, body] = livez(deps, log);
    } else if (url.pathname === '/metrics') {
      body = await deps.registry.metrics();
      type = deps.registry.contentType;
      status = 200;
    }
    res.writeHead(status, { 'content-type': type }).end(body);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log.error({ err: error }, 'request failed');
      if (!res.headersSent) res.writeHead(500).end('internal error\n');
    });
  });

  return {
    listen: () =>
      new Promise((resolve, reject) => {
        server.once('error', (error) => reject(listenError(error, deps.port)));
        server.listen(deps.port, () => resolve((server.address() as AddressInfo).port));
      }),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
