// The paged LIST against the fake API server (real HTTP on loopback): the test answers each page by hand.
import { KubeClient } from './client.js';
import { answer, startFakeApiServer, type ApiRequest, type FakeApiServer } from './fake-api-server.js';
import { listAllPages } from './paged-list.js';

const PATH = '/api/v1/namespaces/ns/secrets';
const obj = (name: string) => ({ metadata: { name, namespace: 'ns' } });
const page = (rv: string, names: string[], next?: string) => ({
  metadata: { resourceVersion: rv, ...(next ? { continue: next } : {}) },
  items: names.map(obj),
});
const expired = {
  kind: 'Status',
  code: 410,
  reason: 'Expired',
  message: 'The provided continue parameter is too old',
};

describe('listAllPages', () => {
  let api: FakeApiServer;
  let client: KubeClient;

  beforeEach(async () => {
    api = await startFakeApiServer();
    client = new KubeClient(api.connection);
  });

  afterEach(async () => {
    await api.close();
  });

  /** Takes the next request, checks it is a page request, answers it, and returns its query. */
  async function servePage(status: number, body: unknown): Promise<ApiRequest['url']['searchParams']> {
    const r = await api.nextRequest();
    expect(`${r.method} ${r.url.pathname}`).toBe(`GET ${PATH}`);
    answer(r.res, status, body);
    return r.url.searchParams;
  }

  it('asks for pages of the given size with the selectors and joins them in order', async () => {
    const listed = listAllPages<ReturnType<typeof obj>>(client, PATH, {
      labelSelector: 'a=b',
      fieldSelector: 'metadata.name=x',
      limit: 2,
    });
    const first = await servePage(200, page('10', ['a', 'b'], 'token-1'));
    const second = await servePage(200, page('10', ['c', 'd'], 'token-2'));
    const third = await servePage(200, page('10', ['e']));
    const list = await listed;
    expect([first, second, third].map((q) => q.get('continue'))).toEqual([null, 'token-1', 'token-2']);
    for (const q of [first, second, third]) {
      expect(q.get('limit')).toBe('2');
      expect(q.get('labelSelector')).toBe('a=b');
      expect(q.get('fieldSelector')).toBe('metadata.name=x');
    }
    expect(list.items.map((i) => i.metadata.name)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(list.metadata?.resourceVersion).toBe('10');
    expect(api.pending()).toBe(0);
  });

  it('starts again from the first page when a continue token has expired (410), keeping no page of the first try', async () => {
    const listed = listAllPages<ReturnType<typeof obj>>(client, PATH, { limit: 2 });
    await servePage(200, page('10', ['a', 'b'], 'token-1'));
    const refused = await servePage(410, expired);
    const again = await servePage(200, page('30', ['a', 'c'], 'token-3'));
    const last = await servePage(200, page('30', ['d']));
    const list = await listed;
    expect(refused.get('continue')).toBe('token-1');
    expect(again.get('continue')).toBeNull();
    expect(last.get('continue')).toBe('token-3');
    expect(list.items.map((i) => i.metadata.name)).toEqual(['a', 'c', 'd']);
    expect(list.metadata?.resourceVersion).toBe('30');
  });

  it('passes a 410 on the first page on to the caller (its resourceVersion is the ListWatch to handle)', async () => {
    const listed = listAllPages(client, PATH);
    await servePage(410, { ...expired, message: 'too old resource version' });
    await expect(listed).rejects.toMatchObject({ statusCode: 410 });
  });

  it('gives up after three restarts in a row, for the informer to back off', async () => {
    const listed = listAllPages(client, PATH, { limit: 1 });
    for (let attempt = 0; attempt < 4; attempt++) {
      await servePage(200, page('10', ['a'], `token-${attempt}`));
      await servePage(410, expired);
    }
    await expect(listed).rejects.toMatchObject({ statusCode: 410, reason: 'Expired' });
    expect(api.pending()).toBe(0);
  });

  it('fails on any other error of a later page without starting again', async () => {
    const listed = listAllPages(client, PATH, { limit: 1 });
    await servePage(200, page('10', ['a'], 'token-1'));
    await servePage(403, { kind: 'Status', code: 403, reason: 'Forbidden', message: 'no' });
    await expect(listed).rejects.toMatchObject({ statusCode: 403 });
    expect(api.pending()).toBe(0);
  });
});
