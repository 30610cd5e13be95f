import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { API_VERSION as OPERATOR_API_VERSION } from '../../operator/api/types.js';
import { createLogger } from '../logger.js';
import { createReporter } from './reporter.js';
import type { DatabaseReport } from './report-types.js';
import {
  API_VERSION,
  APPLY_PATCH,
  createStatusClient,
  fieldManagerOf,
  JSON_PATCH,
  MAX_FIELD_MANAGER,
  MAX_OBJECT,
  StatusWriteError,
} from './status-client.js';

interface Seen {
  method: string | undefined;
  url: string | undefined;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const entry: DatabaseReport = {
  name: 'orders',
  pending: 1,
  errored: 0,
  heldTopics: [],
  kafka: { state: 'Available', message: 'reachable' },
  database: { state: 'Available', message: 'reachable' },
  reportedBy: 'orders-relay-7d9f-x2',
};

describe('the status client', () => {
  let server: http.Server;
  let port: number;
  let dir: string;
  let tokenFile: string;
  const seen: Seen[] = [];
  let answer: { status: number; body: string } = { status: 200, body: '{}' };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'status-client-'));
    tokenFile = path.join(dir, 'token');
    server = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body });
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    seen.splice(0);
    answer = { status: 200, body: '{}' };
    writeFileSync(tokenFile, 'first-token-value\n');
  });

  const client = (apiUrl = `http://127.0.0.1:${port}`) =>
    createStatusClient({
      apiUrl,
      tokenFile,
      namespace: 'shop',
      name: 'orders',
      podName: 'orders-relay-7d9f-x2',
    });

  it('speaks the API of the operator it reports to', () => {
    expect(API_VERSION).toBe(OPERATOR_API_VERSION);
  });

  it('applies the status subresource server-side under the pod’s own field manager', async () => {
    await client().apply([entry]);
    expect(seen).toHaveLength(1);
    const [request] = seen;
    expect(request?.method).toBe('PATCH');
    const url = new URL(request?.url ?? '', 'http://x');
    expect(url.pathname).toBe(`/apis/${API_VERSION}/namespaces/shop/outboxrelays/orders/status`);
    expect(url.searchParams.get('fieldManager')).toBe('outbox-relay-orders-relay-7d9f-x2');
    expect(url.searchParams.get('force')).toBe('true');
    expect(request?.headers['content-type']).toBe(APPLY_PATCH);
    expect(request?.headers.authorization).toBe('Bearer first-token-value');
    expect(JSON.parse(request?.body ?? '')).toEqual({
      apiVersion: API_VERSION,
      kind: 'OutboxRelay',
      metadata: { name: 'orders', namespace: 'shop' },
      status: { databases: [entry] },
    });
  });

  it('resolves an apply with the object the API server answered, or undefined when it cannot be read', async () => {
    const object = { kind: 'OutboxRelay', status: { databases: [entry] } };
    answer = { status: 200, body: JSON.stringify(object) };
    expect(await client().apply([entry])).toEqual(object);
    answer = { status: 200, body: 'not JSON' };
    expect(await client().apply([entry])).toBeUndefined();
    answer = { status: 200, body: JSON.stringify({ padding: 'x'.repeat(MAX_OBJECT) }) };
    expect((await client().apply([entry])) === undefined).toBe(true);
  });

  it('sends a JSON patch of the status subresource, not forced, under the pod’s field manager', async () => {
    const operations = [
      { op: 'test' as const, path: '/status/databases/0/name', value: 'orders' },
      { op: 'remove' as const, path: '/status/databases/0/publishers/1' },
    ];
    await client().patchStatus(operations);
    const [request] = seen;
    expect(request?.method).toBe('PATCH');
    const url = new URL(request?.url ?? '', 'http://x');
    expect(url.pathname).toBe(`/apis/${API_VERSION}/namespaces/shop/outboxrelays/orders/status`);
    expect(url.searchParams.get('fieldManager')).toBe('outbox-relay-orders-relay-7d9f-x2');
    expect(url.searchParams.has('force')).toBe(false);
    expect(request?.headers['content-type']).toBe(JSON_PATCH);
    expect(request?.headers.authorization).toBe('Bearer first-token-value');
    expect(JSON.parse(request?.body ?? '')).toEqual(operations);
  });

  it('reads the status subresource with a GET, no body and no field manager', async () => {
    const object = { kind: 'OutboxRelay', status: { databases: [entry] } };
    answer = { status: 200, body: JSON.stringify(object) };
    expect(await client().get()).toEqual(object);
    const [request] = seen;
    expect(request?.method).toBe('GET');
    expect(request?.url).toBe(`/apis/${API_VERSION}/namespaces/shop/outboxrelays/orders/status`);
    expect(request?.headers['content-type']).toBeUndefined();
    expect(request?.body).toBe('');
    answer = { status: 403, body: JSON.stringify({ kind: 'Status', reason: 'Forbidden', message: 'no' }) };
    await expect(client().get()).rejects.toThrow(
      'cannot read the status of OutboxRelay shop/orders: 403 Forbidden: no',
    );
  });

  it('turns a failed test of a JSON patch into a 422 StatusWriteError', async () => {
    answer = {
      status: 422,
      body: JSON.stringify({ kind: 'Status', reason: 'Invalid', message: 'the test failed' }),
    };
    const error = (await client()
      .patchStatus([{ op: 'test', path: '/status/databases/0/name', value: 'orders' }])
      .catch((e: unknown) => e)) as StatusWriteError;
    expect(error).toBeInstanceOf(StatusWriteError);
    expect(error.statusCode).toBe(422);
    expect(error.retriable).toBe(false);
  });

  it('keeps a field manager within the API server’s 128 characters, one per pod', () => {
    const long = (suffix: string) => `${'orders-'.repeat(30)}relay-7d9f8c6b5-${suffix}`;
    const [a, b] = [fieldManagerOf(long('x2x2x')), fieldManagerOf(long('y3y3y'))];
    expect(a.length).toBeLessThanOrEqual(MAX_FIELD_MANAGER);
    expect(a).not.toBe(b);
    expect(fieldManagerOf('orders-relay-1')).toBe('outbox-relay-orders-relay-1');
  });

  it('reads the token again for every write (the kubelet rotates it)', async () => {
    const c = client();
    await c.apply([entry]);
    writeFileSync(tokenFile, 'rotated-token-value');
    await c.apply([]);
    expect(seen.map((s) => s.headers.authorization)).toEqual([
      'Bearer first-token-value',
      'Bearer rotated-token-value',
    ]);
  });

  it('turns a refusal into a typed, non-retriable error with the server’s words and no token', async () => {
    answer = {
      status: 403,
      body: JSON.stringify({
        kind: 'Status',
        reason: 'Forbidden',
        message: 'outboxrelays.outbox.kafka-relay.dev "orders" is forbidden',
      }),
    };
    const error = (await client()
      .apply([entry])
      .catch((e: unknown) => e)) as StatusWriteError;
    expect(error).toBeInstanceOf(StatusWriteError);
    expect(error.statusCode).toBe(403);
    expect(error.retriable).toBe(false);
    expect(error.message).toContain('is forbidden');
    expect(JSON.stringify({ ...error, message: error.message, stack: error.stack })).not.toContain(
      'first-token',
    );
  });

  it.each([
    [429, true],
    [500, true],
    [503, true],
    [401, false],
    [404, false],
    [422, false],
  ])('classes HTTP %d as retriable=%s', async (status, retriable) => {
    answer = { status, body: 'not a Status' };
    const error = (await client()
      .apply([entry])
      .catch((e: unknown) => e)) as StatusWriteError;
    expect(error.statusCode).toBe(status);
    expect(error.retriable).toBe(retriable);
  });

  it('reports a server that cannot be reached as retriable, without the token', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const gone = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const error = (await client(`http://127.0.0.1:${gone}`)
      .apply([entry])
      .catch((e: unknown) => e)) as StatusWriteError;
    expect(error.retriable).toBe(true);
    expect(error.message).toContain('ECONNREFUSED');
    expect(`${error.message}${error.stack}${String(error.cause)}`).not.toContain('first-token');
  });

  it('names the token file it cannot read, never its content', async () => {
    const c = createStatusClient({
      apiUrl: `http://127.0.0.1:${port}`,
      tokenFile: path.join(dir, 'missing'),
      namespace: 'shop',
      name: 'orders',
      podName: 'p',
    });
    await expect(c.apply([entry])).rejects.toThrow(/token file .*missing \(ENOENT\)/);
    expect(seen).toEqual([]);
  });

  it('logs failed writes without the token', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    answer = {
      status: 503,
      body: JSON.stringify({ kind: 'Status', reason: 'ServiceUnavailable', message: 'etcd' }),
    };
    const c = client();
    const reporter = createReporter({
      collect: async () => ({
        databases: [
          { name: 'orders', counts: { pending: 1, errored: 0, oldestPendingAgeSeconds: null }, held: [] },
        ],
        kafka: { state: 'Available', message: 'reachable' },
      }),
      write: (entries, timeoutMs) => c.apply(entries, timeoutMs),
      podName: 'p',
      databaseNames: ['orders'],
      now: Date.now,
      sleep: async () => undefined,
      logger: createLogger({ level: 'debug' }, sink),
      backoff: { initialMs: 1, maxMs: 1, factor: 1, jitter: 0 },
    });
    expect(await reporter.refresh()).toBe('failed');
    expect(seen.length).toBeGreaterThan(1);
    expect(lines.join('')).toContain('status report not written');
    expect(lines.join('')).not.toContain('first-token');
  });
});
