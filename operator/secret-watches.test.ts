// The per-name Secret watches against a small local HTTP server that serves Secrets as the API server
// does for a metadata.name field selector (a list of at most that one, then a watch stream), and refuses
// the names a test marks forbidden, as a Role with resourceNames would.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { KubeClient } from './kube/client.js';
import { CredentialsConnection } from './kube/connection.js';
import { realClock } from './runtime/clock.js';
import { SecretWatches } from './secret-watches.js';

const secret = (name: string, rv: string) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: 'ns', uid: `uid-${name}`, resourceVersion: rv },
  data: { password: 'cA==' },
});

interface Served {
  secrets: Map<string, ReturnType<typeof secret>>;
  forbidden: Set<string>;
  /** Every request: a watch or not, the name its field selector asks for ('' for none), metadata only. */
  requests: Array<{ watch: boolean; name: string; metadata: boolean; path: string }>;
  /** May the client list the namespace's Secrets (metadata only), as a Role without resourceNames lets it. */
  listAll: boolean;
  /** Open watch streams by name. */
  streams: Map<string, http.ServerResponse[]>;
}

async function serve(s: Served): Promise<{ server: http.Server; kc: CredentialsConnection }> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://api');
    const name = /^metadata\.name=(.+)$/.exec(url.searchParams.get('fieldSelector') ?? '')?.[1] ?? '';
    const watch = url.searchParams.get('watch') === 'true';
    const metadata = (req.headers.accept ?? '').includes('as=PartialObjectMetadata');
    s.requests.push({ watch, name, metadata, path: url.pathname });
    res.setHeader('Content-Type', 'application/json');
    if (!name && s.listAll && metadata) {
      serveMetadata(s, watch, res);
      return;
    }
    if (!name || s.forbidden.has(name)) {
      res
        .writeHead(403)
        .end(JSON.stringify({ kind: 'Status', code: 403, reason: 'Forbidden', message: 'no' }));
      return;
    }
    if (watch) {
      res.writeHead(200);
      res.flushHeaders();
      s.streams.set(name, [...(s.streams.get(name) ?? []), res]);
      res.on('close', () =>
        s.streams.set(
          name,
          (s.streams.get(name) ?? []).filter((r) => r !== res),
        ),
      );
      return;
    }
    const items = s.secrets.has(name) ? [s.secrets.get(name)] : [];
    res.writeHead(200).end(JSON.stringify({ metadata: { resourceVersion: '100' }, items }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return { server, kc: new CredentialsConnection({ server: `http://127.0.0.1:${port}` }) };
}

/** The namespace's Secrets without their data: a list, or a watch stream kept under the name ''. */
function serveMetadata(s: Served, watch: boolean, res: http.ServerResponse): void {
  if (watch) {
    res.writeHead(200);
    res.flushHeaders();
    s.streams.set('', [...(s.streams.get('') ?? []), res]);
    return;
  }
  const items = [...s.secrets.values()].map(({ metadata }) => ({ kind: 'PartialObjectMetadata', metadata }));
  res
    .writeHead(200)
    .end(JSON.stringify({ kind: 'PartialObjectMetadataList', metadata: { resourceVersion: '100' }, items }));
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('SecretWatches', () => {
  let s: Served;
  let server: http.Server;
  let watches: SecretWatches;
  let deps: ConstructorParameters<typeof SecretWatches>[0];
  let settledNames: string[];
  let changed: string[];
  let failures: unknown[];

  beforeEach(async () => {
    s = { secrets: new Map(), forbidden: new Set(), requests: [], streams: new Map(), listAll: false };
    s.secrets.set('db', secret('db', '1'));
    s.secrets.set('kafka', secret('kafka', '2'));
    s.secrets.set('unrelated', secret('unrelated', '3'));
    const served = await serve(s);
    server = served.server;
    settledNames = [];
    changed = [];
    failures = [];
    deps = {
      kc: served.kc,
      client: new KubeClient(served.kc),
      clock: realClock,
      log: pino({ level: 'silent' }),
      namespaces: ['ns'],
      canListSecrets: async () => s.listAll,
      onSecret: (x) => changed.push(x.metadata?.name ?? ''),
      onSettled: (_ns, name) => settledNames.push(name),
      onFailure: (err) => failures.push(err),
    };
    watches = new SecretWatches(deps);
  });

  afterEach(async () => {
    await watches.stop();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('lists and watches each referenced Secret by name and nothing else', async () => {
    watches.track('ns/a', 'ns', ['db', 'kafka']);
    expect(watches.settled('ns/a')).toBe(false);
    await watches.start();
    expect(watches.settled('ns/a')).toBe(true);
    expect(settledNames.sort()).toEqual(['db', 'kafka']);
    expect(watches.get('db', 'ns')?.metadata?.uid).toBe('uid-db');
    expect(watches.get('unrelated', 'ns')).toBeUndefined();
    await until('both watches', () => s.requests.filter((r) => r.watch).length === 2);
    expect(new Set(s.requests.map((r) => r.name))).toEqual(new Set(['db', 'kafka']));
    expect(watches.counts()).toEqual({ objects: 2, byName: 2, byNamespace: 0 });
  });

  it('holds one watch per Secret however many OutboxRelays reference it, and stops it with the last', async () => {
    await watches.start();
    watches.track('ns/a', 'ns', ['db']);
    watches.track('ns/b', 'ns', ['db', 'kafka']);
    await until('both settled', () => watches.settled('ns/a') && watches.settled('ns/b'));
    await until(
      'two watch streams',
      () => s.streams.get('db')?.length === 1 && s.streams.get('kafka')?.length === 1,
    );
    expect(watches.relaysOf('ns', 'db').sort()).toEqual(['ns/a', 'ns/b']);
    watches.track('ns/b', 'ns', []);
    await until('the kafka watch closed', () => (s.streams.get('kafka') ?? []).length === 0);
    expect(watches.counts()).toEqual({ objects: 1, byName: 1, byNamespace: 0 });
    expect(watches.get('kafka', 'ns')).toBeUndefined();
    expect(s.streams.get('db')).toHaveLength(1);
    watches.track('ns/a', 'ns', []);
    await until('the db watch closed', () => (s.streams.get('db') ?? []).length === 0);
    expect(watches.counts()).toEqual({ objects: 0, byName: 0, byNamespace: 0 });
    expect(s.requests.filter((r) => !r.watch && r.name === 'db')).toHaveLength(1);
  });

  it('settles a Secret that does not exist as absent, and passes on its creation', async () => {
    watches.track('ns/a', 'ns', ['later']);
    await watches.start();
    expect(watches.get('later', 'ns')).toBeUndefined();
    await until('the watch', () => s.streams.get('later')?.length === 1);
    s.streams.get('later')![0]!.write(`${JSON.stringify({ type: 'ADDED', object: secret('later', '5') })}\n`);
    await until('the event', () => changed.includes('later'));
    expect(watches.get('later', 'ns')?.metadata?.resourceVersion).toBe('5');
  });

  it('settles a Secret it may not read at the first refusal, reporting it, and keeps it absent', async () => {
    s.forbidden.add('kafka');
    watches.track('ns/a', 'ns', ['db', 'kafka']);
    await watches.start();
    expect(watches.settled('ns/a')).toBe(true);
    expect(watches.get('kafka', 'ns')).toBeUndefined();
    expect(failures[0]).toMatchObject({ statusCode: 403 });
  });

  it('moves the watch when an OutboxRelay references another Secret', async () => {
    watches.track('ns/a', 'ns', ['db']);
    await watches.start();
    watches.track('ns/a', 'ns', ['kafka']);
    expect(watches.settled('ns/a')).toBe(false);
    await until('the new Secret settled', () => watches.settled('ns/a'));
    expect(watches.get('kafka', 'ns')?.metadata?.uid).toBe('uid-kafka');
    expect(watches.get('db', 'ns')).toBeUndefined();
    expect(watches.counts().byName).toBe(1);
  });

  it('where it may list the Secrets, watches their metadata once and fetches only the referenced ones by name', async () => {
    s.listAll = true;
    watches.track('ns/a', 'ns', ['db', 'kafka']);
    await watches.start();
    expect(watches.counts()).toEqual({ objects: 2, byName: 0, byNamespace: 1 });
    await until('the metadata watch', () => s.streams.get('')?.length === 1);
    // Data requests name a referenced Secret; the rest is metadata only.
    for (const r of s.requests) {
      if (r.name) expect(['db', 'kafka']).toContain(r.name);
      else expect(r.metadata).toBe(true);
    }
    expect(s.requests.filter((r) => r.watch && r.name)).toEqual([]);
    const fetches = () => s.requests.filter((r) => r.name === 'db').length;
    expect(fetches()).toBe(1);

    const send = (type: string, obj: ReturnType<typeof secret>) =>
      s.streams
        .get('')![0]!
        .write(
          `${JSON.stringify({ type, object: { kind: 'PartialObjectMetadata', metadata: obj.metadata } })}\n`,
        );
    s.secrets.set('db', secret('db', '7'));
    send('MODIFIED', s.secrets.get('db')!);
    await until(
      'the changed Secret fetched',
      () => watches.get('db', 'ns')?.metadata?.resourceVersion === '7',
    );
    expect(changed).toContain('db');
    s.secrets.set('unrelated', secret('unrelated', '8'));
    send('MODIFIED', s.secrets.get('unrelated')!);
    const deleted = s.secrets.get('kafka')!;
    s.secrets.delete('kafka');
    send('DELETED', { ...deleted, metadata: { ...deleted.metadata, resourceVersion: '9' } });
    await until('the deleted Secret gone', () => watches.get('kafka', 'ns') === undefined);
    expect(s.requests.some((r) => r.name === 'unrelated')).toBe(false);
    expect(watches.counts().objects).toBe(1);
  });

  it("watching every namespace, watches the metadata of the cluster's Secrets once", async () => {
    s.listAll = true;
    const asked: Array<string | undefined> = [];
    await watches.stop();
    watches = new SecretWatches({
      ...deps,
      namespaces: undefined,
      canListSecrets: async (ns) => {
        asked.push(ns);
        return true;
      },
    });
    watches.track('ns/a', 'ns', ['db']);
    await watches.start();
    expect(asked).toEqual([undefined]);
    expect(watches.counts()).toEqual({ objects: 1, byName: 0, byNamespace: 1 });
    const metadataPaths = new Set(s.requests.filter((r) => r.metadata).map((r) => r.path));
    expect(metadataPaths).toEqual(new Set(['/api/v1/secrets']));
    expect(s.requests.find((r) => r.name === 'db')?.path).toBe('/api/v1/namespaces/ns/secrets');
  });
});
