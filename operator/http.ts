// /healthz (the process is alive and serving), /readyz (the caches are synced, or this replica is a
// standby waiting for the lease) and /metrics.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface HealthState {
  ready(): boolean;
  describe(): Record<string, unknown>;
}

export interface HttpEndpoints {
  healthPort: number;
  metricsPort: number;
  close(): Promise<void>;
}

function handler(
  routes: Record<string, (res: http.ServerResponse) => Promise<void> | void>,
): http.RequestListener {
  return (req, res) => {
    const route = routes[(req.url ?? '/').split('?')[0] as string];
    if (!route || req.method !== 'GET') {
      res.writeHead(404).end('not found\n');
      return;
    }
    Promise.resolve(route(res)).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end('error\n');
    });
  };
}

function listen(server: http.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve((server.address() as AddressInfo).port));
  });
}

export async function startHttp(options: {
  healthPort: number;
  metricsPort: number;
  health: HealthState;
  registry: Registry;
}): Promise<HttpEndpoints> {
  const health = {
    '/healthz': (res: http.ServerResponse) =>
      void res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n'),
    '/readyz': (res: http.ServerResponse) => {
      const ready = options.health.ready();
      res
        .writeHead(ready ? 200 : 503, { 'Content-Type': 'application/json' })
        .end(`${JSON.stringify({ ready, ...options.health.describe() })}\n`);
    },
  };
  const metrics = {
    '/metrics': async (res: http.ServerResponse) => {
      const body = await options.registry.metrics();
      res.writeHead(200, { 'Content-Type': options.registry.contentType }).end(body);
    },
  };
  const servers: http.Server[] = [];
  if (options.healthPort === options.metricsPort && options.healthPort !== 0) {
    const server = http.createServer(handler({ ...health, ...metrics }));
    servers.push(server);
    const port = await listen(server, options.healthPort);
    return { healthPort: port, metricsPort: port, close: () => closeAll(servers) };
  }
  const hs = http.createServer(handler(health));
  const ms = http.createServer(handler(metrics));
  servers.push(hs, ms);
  const healthPort = await listen(hs, options.healthPort);
  const metricsPort = await listen(ms, options.metricsPort);
  return { healthPort, metricsPort, close: () => closeAll(servers) };
}

function closeAll(servers: http.Server[]): Promise<void> {
  return Promise.all(
    servers.map(
      (s) =>
        new Promise<void>((resolve) => {
          s.closeAllConnections?.();
          s.close(() => resolve());
        }),
    ),
  ).then(() => undefined);
}
