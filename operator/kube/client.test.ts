import { EventEmitter } from 'node:events';
import https from 'node:https';
import { Readable } from 'node:stream';
import { jest } from '@jest/globals';
import { KubeClient, resourceOf } from './client.js';

/** A KubeConfig that does what the library's does: TLS material on the options and a new Agent each call. */
function kubeConfig(cert: string) {
  return {
    getCurrentCluster: () => ({ server: 'https://127.0.0.1:6443' }),
    applyToHTTPSOptions: async (opts: https.RequestOptions) => {
      opts.ca = 'test-ca';
      opts.cert = cert;
      opts.key = 'test-key';
      opts.agent = new https.Agent({ ca: 'test-ca', cert, key: 'test-key' });
    },
  };
}

describe('KubeClient', () => {
  let agents: unknown[];

  beforeEach(() => {
    agents = [];
    jest.spyOn(https, 'request').mockImplementation(((
      _url: URL,
      opts: https.RequestOptions,
      onResponse: (res: Readable & { statusCode: number }) => void,
    ) => {
      agents.push(opts.agent);
      const req = Object.assign(new EventEmitter(), {
        end: () => onResponse(Object.assign(Readable.from([Buffer.from('{}')]), { statusCode: 200 })),
        destroy: () => undefined,
      });
      return req;
    }) as never);
  });

  afterEach(() => jest.restoreAllMocks());

  it('reuses one keep-alive agent for every request instead of opening a new TLS connection each time', async () => {
    const client = new KubeClient(kubeConfig('cert-a') as never);
    await client.get('/api/v1/namespaces/a');
    await client.list('/api/v1/secrets');
    await client.mergePatch('/api/v1/namespaces/b', {}, 'test');
    expect(agents).toHaveLength(3);
    expect(agents[1]).toBe(agents[0]);
    expect(agents[2]).toBe(agents[0]);
    expect((agents[0] as https.Agent & { keepAlive: boolean }).keepAlive).toBe(true);
  });

  it('uses another agent for other credentials', async () => {
    await new KubeClient(kubeConfig('cert-a') as never).get('/api/v1/namespaces/a');
    await new KubeClient(kubeConfig('cert-b') as never).get('/api/v1/namespaces/a');
    expect(agents[1]).not.toBe(agents[0]);
  });

  it('tells its observer each request, a server-side apply as APPLY', async () => {
    const seen: string[] = [];
    const client = new KubeClient(kubeConfig('cert-a') as never, undefined, (verb, resource) =>
      seen.push(`${verb} ${resource}`),
    );
    await client.apply('/apis/apps/v1/namespaces/a/deployments/d', {}, 'test');
    await client.mergePatch(
      '/apis/outbox.kafka-relay.dev/v1alpha1/namespaces/a/outboxrelays/r/status',
      {},
      'test',
    );
    await client.list('/api/v1/secrets');
    expect(seen).toEqual(['APPLY deployments', 'PATCH outboxrelays/status', 'GET secrets']);
  });
});

describe('resourceOf', () => {
  it.each([
    ['/api/v1/namespaces/a', 'namespaces'],
    ['/api/v1/namespaces/a/secrets', 'secrets'],
    ['/apis/apps/v1/namespaces/a/deployments/d', 'deployments'],
    ['/apis/apps/v1/deployments', 'deployments'],
    ['/apis/coordination.k8s.io/v1/namespaces/a/leases/l', 'leases'],
    ['/apis/outbox.kafka-relay.dev/v1alpha1/namespaces/a/outboxrelays/r/status', 'outboxrelays/status'],
  ])('%s names %s', (path, resource) => {
    expect(resourceOf(path)).toBe(resource);
  });
});
