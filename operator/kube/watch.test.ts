// One watch request against a local HTTP server that writes the stream by hand: how lines split across
// or packed into chunks are read, and how each way a watch ends settles `done`.
import { KubeClient, type KubeObject } from './client.js';
import { answer, eventLine, openStream, startFakeApiServer, type FakeApiServer } from './fake-api-server.js';
import { ListWatch } from './list-watch.js';
import { startWatch, type WatchEventType, type WatchHandle } from './watch.js';

const PATH = '/api/v1/namespaces/ns/configmaps';
const cm = (name: string, rv: string): KubeObject => ({
  metadata: { name, namespace: 'ns', resourceVersion: rv },
});
const pause = (ms = 20) => new Promise((r) => setTimeout(r, ms));

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i++) await pause(10);
  expect(condition()).toBe(true);
}

let api: FakeApiServer;
beforeEach(async () => (api = await startFakeApiServer()));
afterEach(() => api.close());

/** Starts a watch from resourceVersion 10 and takes its request on the server side. */
async function watch(onEvent?: (type: WatchEventType, obj: KubeObject, handle: WatchHandle) => void) {
  const seen: string[] = [];
  const handle: WatchHandle = startWatch<KubeObject>(api.connection, {
    path: PATH,
    resourceVersion: '10',
    labelSelector: 'app=x',
    timeoutSeconds: 60,
    onEvent: (type, obj) => {
      seen.push(`${type} ${obj.metadata?.name ?? ''}@${obj.metadata?.resourceVersion ?? ''}`);
      onEvent?.(type, obj, handle);
    },
  });
  const request = await api.nextRequest();
  openStream(request.res);
  return { handle, seen, request, res: request.res };
}

describe('startWatch: reading the stream', () => {
  it('asks for a watch with bookmarks from the resourceVersion, with the selector and timeout', async () => {
    const { request, res, handle } = await watch();
    expect(request.method).toBe('GET');
    expect(request.url.pathname).toBe(PATH);
    expect(Object.fromEntries(request.url.searchParams)).toEqual({
      watch: 'true',
      allowWatchBookmarks: 'true',
      resourceVersion: '10',
      timeoutSeconds: '60',
      labelSelector: 'app=x',
    });
    res.end();
    await handle.done;
  });

  it('hands on an event split across chunks only once its line is whole', async () => {
    const { res, seen, handle } = await watch();
    const line = eventLine('ADDED', cm('a', '11'));
    res.write(line.slice(0, 25));
    await pause();
    res.write(line.slice(25, 40));
    await pause();
    expect(seen).toEqual([]);
    res.write(line.slice(40));
    await until(() => seen.length === 1);
    expect(seen).toEqual(['ADDED a@11']);
    res.end();
    await expect(handle.done).resolves.toBeUndefined();
  });

  it('hands on every event of a chunk holding several, in order, and a last line without newline', async () => {
    const { res, seen, handle } = await watch();
    res.write(
      eventLine('ADDED', cm('a', '11')) +
        eventLine('MODIFIED', cm('a', '12')) +
        '\n' +
        eventLine('DELETED', cm('a', '13')) +
        eventLine('ADDED', cm('b', '14')).slice(0, 20),
    );
    res.end(eventLine('ADDED', cm('b', '14')).slice(20).trimEnd());
    await handle.done;
    expect(seen).toEqual(['ADDED a@11', 'MODIFIED a@12', 'DELETED a@13', 'ADDED b@14']);
  });
});

describe('startWatch: bookmarks, ERROR events and abort', () => {
  it('hands on a BOOKMARK with the resourceVersion it carries', async () => {
    const { res, seen, handle } = await watch();
    res.write(eventLine('BOOKMARK', { kind: 'ConfigMap', metadata: { resourceVersion: '15' } }));
    await until(() => seen.length === 1);
    expect(seen).toEqual(['BOOKMARK @15']);
    res.end();
    await handle.done;
  });

  it('hands on an ERROR event with its Status object', async () => {
    const errors: unknown[] = [];
    const { res, handle } = await watch((type, obj) => type === 'ERROR' && errors.push(obj));
    const status = { kind: 'Status', code: 500, reason: 'InternalError', message: 'etcd' };
    res.end(eventLine('ERROR', status));
    await handle.done;
    expect(errors).toEqual([status]);
  });

  it('hands on nothing after abort, not even the rest of the chunk, and resolves', async () => {
    const { res, seen, handle } = await watch((_t, obj, h) => obj.metadata?.name === 'a' && h.abort());
    res.write(eventLine('ADDED', cm('a', '11')) + eventLine('ADDED', cm('b', '12')));
    await expect(handle.done).resolves.toBeUndefined();
    await pause();
    expect(seen).toEqual(['ADDED a@11']);
  });

  it('resolves when aborted before the response arrives', async () => {
    const handle = startWatch(api.connection, {
      path: PATH,
      resourceVersion: '1',
      timeoutSeconds: 60,
      onEvent() {},
    });
    await api.nextRequest();
    handle.abort();
    await expect(handle.done).resolves.toBeUndefined();
  });
});

describe('startWatch: failures', () => {
  it('rejects with a retriable NetworkError when the server cuts the connection mid-stream', async () => {
    const { res, seen, handle } = await watch();
    res.write(eventLine('ADDED', cm('a', '11')));
    await until(() => seen.length === 1);
    res.socket?.destroy();
    await expect(handle.done).rejects.toMatchObject({
      name: 'KubeApiError',
      statusCode: 0,
      reason: 'NetworkError',
      retriable: true,
    });
    expect(seen).toEqual(['ADDED a@11']);
  });

  it('rejects with the Status of a watch request answered 410', async () => {
    const handle = startWatch(api.connection, {
      path: PATH,
      resourceVersion: '1',
      timeoutSeconds: 60,
      onEvent() {},
    });
    const { res } = await api.nextRequest();
    res.writeHead(410, { 'Content-Type': 'application/json' }).end(
      JSON.stringify({
        kind: 'Status',
        code: 410,
        reason: 'Expired',
        message: 'too old resource version',
      }),
    );
    await expect(handle.done).rejects.toMatchObject({
      statusCode: 410,
      reason: 'Expired',
      retriable: false,
    });
  });
});

describe('startWatch: what is not an event', () => {
  it('rejects a line that is not a watch event without quoting it, and hands on nothing after it', async () => {
    const { res, seen, handle } = await watch();
    res.write(
      '{"type":"ADDED","object":{"data":{"password":"aHVudGVyMg=="\n' + eventLine('ADDED', cm('b', '12')),
    );
    const err = await handle.done.catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'InvalidWatchEvent', retriable: true });
    expect((err as Error).message).not.toContain('aHVudGVyMg');
    expect(seen).toEqual([]);
  });

  it.each([['null'], ['42'], ['{"type":"ADDED"}'], ['{"type":"RENAMED","object":{}}']])(
    'rejects the JSON line %s, which is not an event, instead of throwing out of the stream',
    async (line) => {
      const { res, handle } = await watch();
      res.write(`${line}\n`);
      await expect(handle.done).rejects.toMatchObject({ reason: 'InvalidWatchEvent' });
    },
  );

  it('rejects with the error of a handler that throws, instead of letting it escape to the process', async () => {
    const bug = new TypeError('handler bug');
    const { res, handle } = await watch(() => {
      throw bug;
    });
    res.write(eventLine('ADDED', cm('a', '11')));
    await expect(handle.done).rejects.toBe(bug);
  });
});

/** A ListWatch listing and watching through the local server, as the informer wires it. */
function listWatch() {
  const events: string[] = [];
  const errors: unknown[] = [];
  const client = new KubeClient(api.connection, 2000);
  const lw = new ListWatch<KubeObject>({
    list: () => client.list<KubeObject>(PATH),
    watch: (resourceVersion, onEvent) =>
      startWatch(api.connection, { path: PATH, resourceVersion, timeoutSeconds: 60, onEvent }),
    onAdd: (o) => events.push(`add ${o.metadata?.name}`),
    onUpdate: (o) => events.push(`update ${o.metadata?.name}`),
    onDelete: (o) => events.push(`delete ${o.metadata?.name}`),
    onError: (e) => errors.push(e),
  });
  return { lw, events, errors };
}

/** Answers the next request, which must be a list, with these items at this resourceVersion. */
async function serveList(resourceVersion: string, ...items: KubeObject[]): Promise<void> {
  const { url, res } = await api.nextRequest();
  expect(url.searchParams.get('watch')).toBeNull();
  answer(res, 200, { metadata: { resourceVersion }, items });
}

/** Takes the next request, which must be a watch from this resourceVersion, and opens its stream. */
async function serveWatch(resourceVersion: string) {
  const { url, res } = await api.nextRequest();
  expect(url.searchParams.get('watch')).toBe('true');
  expect(url.searchParams.get('resourceVersion')).toBe(resourceVersion);
  openStream(res);
  return res;
}

describe('startWatch under a ListWatch', () => {
  it('lists again after an ERROR event with code 410 mid-watch, and watches from the new list', async () => {
    const t = listWatch();
    const started = t.lw.start();
    await serveList('10', cm('a', '9'), cm('b', '9'));
    await started;
    const first = await serveWatch('10');
    first.write(eventLine('MODIFIED', cm('a', '11')));
    first.write(eventLine('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old' }));
    await serveList('20', cm('a', '11'), cm('c', '19'));
    const second = await serveWatch('20');
    second.write(eventLine('ADDED', cm('d', '21')));
    await until(() => t.events.includes('add d'));
    expect(t.events).toEqual(['add a', 'add b', 'update a', 'delete b', 'add c', 'add d']);
    expect(t.errors).toEqual([]);
    t.lw.stop();
  });

  it('watches again from the last bookmark when the server ends the watch', async () => {
    const t = listWatch();
    const started = t.lw.start();
    await serveList('10');
    await started;
    const first = await serveWatch('10');
    first.end(eventLine('BOOKMARK', { metadata: { resourceVersion: '15' } }));
    await serveWatch('15');
    expect(api.pending()).toBe(0);
    t.lw.stop();
  });

  it('stops and reports an ERROR event that is not 410, for the informer to restart it with backoff', async () => {
    const t = listWatch();
    const started = t.lw.start();
    await serveList('10');
    await started;
    const res = await serveWatch('10');
    res.write(eventLine('ERROR', { kind: 'Status', code: 500, reason: 'InternalError', message: 'etcd' }));
    await until(() => t.errors.length === 1);
    expect(t.errors[0]).toMatchObject({ statusCode: 500, reason: 'InternalError', retriable: true });
    await pause();
    expect(api.pending()).toBe(0);
  });

  it('stops and reports a connection cut as a retriable error', async () => {
    const t = listWatch();
    const started = t.lw.start();
    await serveList('10');
    await started;
    const res = await serveWatch('10');
    res.socket?.destroy();
    await until(() => t.errors.length === 1);
    expect(t.errors[0]).toMatchObject({ reason: 'NetworkError', retriable: true });
  });
});
