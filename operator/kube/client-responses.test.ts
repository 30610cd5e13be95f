// How KubeClient turns real HTTP responses into values and typed errors, against a local server.
import { KubeApiError, KubeClient } from './client.js';
import { answer, startFakeApiServer, type FakeApiServer } from './fake-api-server.js';

const PATH = '/api/v1/namespaces/ns/secrets/db';

let api: FakeApiServer;
let client: KubeClient;

beforeEach(async () => {
  api = await startFakeApiServer();
  client = new KubeClient(api.connection, 2000);
});

afterEach(() => api.close());

describe('KubeClient: success bodies', () => {
  it('resolves a JSON body, and an empty 2xx body as an empty object', async () => {
    const got = client.request('GET', PATH);
    answer((await api.nextRequest()).res, 200, { metadata: { name: 'db' } });
    await expect(got).resolves.toEqual({ metadata: { name: 'db' } });

    const deleted = client.request('DELETE', PATH);
    (await api.nextRequest()).res.writeHead(200).end();
    await expect(deleted).resolves.toEqual({});
  });

  it('rejects a 2xx body that is not JSON with a retriable error that does not quote the body (it used to throw out of the promise and kill the process)', async () => {
    const got = client.request('GET', PATH);
    const { res } = await api.nextRequest();
    res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>password=hunter2</html>');
    const err = await got.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect(err).toMatchObject({ statusCode: 200, reason: 'InvalidResponse', retriable: true });
    expect((err as Error).message).toContain('29 bytes of text/html');
    expect((err as Error).message).not.toContain('hunter2');
  });

  it('rejects a JSON body cut short the same way', async () => {
    const got = client.list(PATH);
    const { res } = await api.nextRequest();
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"items":[{"metadata":');
    await expect(got).rejects.toMatchObject({ reason: 'InvalidResponse', retriable: true });
  });
});

describe('KubeClient: error responses', () => {
  it.each([
    [422, 'Invalid', false],
    [403, 'Forbidden', false],
    [409, 'Conflict', true],
    [503, 'ServiceUnavailable', true],
  ])('rejects a %i with the Status reason %s, retriable: %s', async (code, reason, retriable) => {
    const got = client.apply(PATH, {}, 'test');
    answer((await api.nextRequest()).res, code, { kind: 'Status', code, reason, message: 'no' });
    await expect(got).rejects.toMatchObject({ statusCode: code, reason, retriable, method: 'PATCH' });
  });

  it('keeps the raw text of an error body that is not a Status object', async () => {
    const got = client.request('GET', PATH);
    (await api.nextRequest()).res.writeHead(502, 'Bad Gateway').end('upstream down');
    await expect(got).rejects.toMatchObject({ statusCode: 502, reason: 'Bad Gateway', retriable: true });
  });

  it('answers undefined for a 404 on get', async () => {
    const got = client.get(PATH);
    answer((await api.nextRequest()).res, 404, { kind: 'Status', code: 404, reason: 'NotFound' });
    await expect(got).resolves.toBeUndefined();
  });

  it('rejects a connection cut before the answer with a retriable NetworkError', async () => {
    const got = client.request('GET', PATH);
    (await api.nextRequest()).req.socket.destroy();
    await expect(got).rejects.toMatchObject({ statusCode: 0, reason: 'NetworkError', retriable: true });
  });

  it('rejects a response cut mid-body with a retriable NetworkError', async () => {
    const got = client.request('GET', PATH);
    const { res } = await api.nextRequest();
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '100' });
    res.write('{"metadata":');
    await new Promise((r) => setTimeout(r, 20));
    res.socket?.destroy();
    await expect(got).rejects.toMatchObject({ retriable: true });
  });
});
