// The informer against a small local HTTP server standing in for the API (a unit test: the real API
// server is exercised by the integration suites): it must come back by itself after a failure.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { realClock } from '../runtime/clock.js';
import { KubeClient, type KubeObject } from './client.js';
import { CredentialsConnection } from './connection.js';
import { createInformer } from './informer.js';

function cm(name: string, rv: string) {
  const managedFields = [{ manager: 'kubectl', operation: 'Apply', fieldsV1: { 'f:data': {} } }];
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'ns', resourceVersion: rv, managedFields },
  };
}

describe('createInformer', () => {
  let server: http.Server;
  let kc: CredentialsConnection;
  let lists = 0;
  const limits: Array<string | null> = [];
  const watches: http.ServerResponse[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.searchParams.get('watch') === 'true') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write(`${JSON.stringify({ type: 'ADDED', object: cm('b', '11') })}\n`);
        watches.push(res);
        return;
      }
      lists++;
      limits.push(url.searchParams.get('limit'));
      // The first list fails as an API server restarting would.
      if (lists === 1) {
        res
          .writeHead(503, { 'Content-Type': 'application/json' })
          .end('{"reason":"ServiceUnavailable","message":"starting"}');
        return;
      }
      res
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ metadata: { resourceVersion: '10' }, items: [cm('a', '10')] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    kc = new CredentialsConnection({ server: `http://127.0.0.1:${port}` });
  });

  afterAll(async () => {
    for (const w of watches) w.end();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('restarts after a failed list, becomes synced, and keeps the watch events', async () => {
    const seen: string[] = [];
    const inf = createInformer<KubeObject>({
      name: 'configmaps',
      kc,
      client: new KubeClient(kc),
      path: '/api/v1/namespaces/ns/configmaps',
      clock: realClock,
      log: pino({ level: 'silent' }),
      backoff: { baseMs: 10, maxMs: 10 },
      onEvent: (event, obj) => seen.push(`${event}:${obj.metadata?.name}`),
    });
    await inf.start();
    expect(inf.synced()).toBe(true);
    expect(inf.restarts()).toBe(1);
    expect(lists).toBe(2);
    expect(limits).toEqual(['500', '500']); // paged (paged-list.ts)
    for (let i = 0; i < 50 && !seen.includes('add:b'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual(['add:a', 'add:b']);
    expect(
      inf
        .list()
        .map((o) => o.metadata?.name)
        .sort(),
    ).toEqual(['a', 'b']);
    // Listed and watched objects alike are held without the API server's managedFields.
    expect(inf.list().filter((o) => o.metadata && 'managedFields' in o.metadata)).toEqual([]);
    await inf.stop();
  });
});
