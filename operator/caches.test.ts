// The caches against a small local HTTP server: an OutboxRelay is not work until its Secret has been read,
// so a reconcile never takes a Secret not read yet for a missing one.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createCaches } from './caches.js';
import { KubeClient } from './kube/client.js';
import { CredentialsConnection } from './kube/connection.js';
import { realClock } from './runtime/clock.js';

const relay = {
  apiVersion: 'outbox.kafka-relay.dev/v1alpha1',
  kind: 'OutboxRelay',
  metadata: { name: 'orders', namespace: 'ns', resourceVersion: '5', generation: 1 },
  spec: { database: { secretRef: { name: 'orders-db' } }, kafka: { brokers: ['k:9092'] } },
};
const dbSecret = {
  metadata: { name: 'orders-db', namespace: 'ns', uid: 'u1', resourceVersion: '6' },
  data: { host: 'aA==' },
};

describe('createCaches', () => {
  let server: http.Server;
  let kc: CredentialsConnection;
  /** The answer to the Secret's list, held until the test sends it. */
  let answerSecret: (() => void) | undefined;
  const paths: string[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://api');
      paths.push(`${url.pathname}?${url.searchParams.get('fieldSelector') ?? ''}`);
      res.setHeader('Content-Type', 'application/json');
      if (url.searchParams.get('watch') === 'true') {
        res.writeHead(200);
        res.flushHeaders();
        return;
      }
      const list = (items: unknown[]) =>
        res.writeHead(200).end(JSON.stringify({ metadata: { resourceVersion: '10' }, items }));
      if (url.pathname.endsWith('/outboxrelays')) list([relay]);
      else if (url.pathname.endsWith('/secrets')) answerSecret = () => list([dbSecret]);
      else list([]);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    kc = new CredentialsConnection({ server: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it("holds an OutboxRelay's work until its Secret is read, then has it in the cache", async () => {
    const enqueued: string[] = [];
    const caches = createCaches({
      ...{ kc, client: new KubeClient(kc), clock: realClock, log: pino({ level: 'silent' }) },
      namespaces: ['ns'],
      enqueue: (key) => enqueued.push(key),
      canListSecrets: async () => false,
    });
    const started = caches.start();
    for (let i = 0; i < 200 && !answerSecret; i++) await new Promise((r) => setTimeout(r, 10));
    expect(answerSecret).toBeDefined();
    expect(caches.relays.synced()).toBe(true);
    expect(enqueued).toEqual([]);
    expect(caches.secrets.get('orders-db', 'ns')).toBeUndefined();
    answerSecret!();
    await started;
    expect(enqueued).toContain('ns/orders');
    expect(caches.secrets.get('orders-db', 'ns')?.metadata?.uid).toBe('u1');
    // Only the referenced Secret was asked for, by name.
    expect(paths.filter((p) => p.includes('/secrets'))).toEqual(
      expect.arrayContaining(['/api/v1/namespaces/ns/secrets?metadata.name=orders-db']),
    );
    expect(paths.filter((p) => p.includes('/secrets') && !p.endsWith('metadata.name=orders-db'))).toEqual([]);
    await caches.stop();
  });
});
