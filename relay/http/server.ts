// /healthz, /readyz and /metrics. /healthz pings each database (with ?readiness=1 it also dials each Kafka
// broker, like the Go relay); /readyz says whether the relay has finished its migrations and reaches its
// databases.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { OutboxStore } from '../db/store.js';
import type { Logger } from '../logger.js';

export interface HttpServerDeps {
  port: number;
  stores: () => readonly OutboxStore[];
  kafkaPing?: () => Promise<void>;
  registry: Registry;
  ready: () => boolean;
  logger: Logger;
}

export interface HttpServer {
  listen(): Promise<number>;
  close(): Promise<void>;
}

export function createHttpServer(deps: HttpServerDeps): HttpServer {
  const log = deps.logger.child({ component: 'http' });

  async function healthz(readiness: boolean): Promise<[number, string]> {
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

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://relay');
    let status = 404;
    let body = 'not found\n';
    let type = 'text/plain; charset=utf-8';
    if (url.pathname === '/healthz') {
      [status, body] = await healthz(url.searchParams.get('readiness') === '1');
    } else if (url.pathname === '/readyz') {
      if (!deps.ready()) [status, body] = [503, 'not ready: starting or migrating\n'];
      else {
        const [health, text] = await healthz(false);
        [status, body] = health === 200 ? [200, 'ready\n'] : [503, `not ready: ${text}`];
      }
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
        server.once('error', reject);
        server.listen(deps.port, () => resolve((server.address() as AddressInfo).port));
      }),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
