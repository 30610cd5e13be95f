import { mkdtempSync, writeFileSync } from 'node:fs';
import type https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { CredentialsConnection, loadConnection } from './connection.js';

describe('CredentialsConnection', () => {
  it('puts the CA, the client certificate and the server name on the request options', async () => {
    const conn = new CredentialsConnection({
      server: 'https://h:6443',
      ca: Buffer.from('CA'),
      cert: Buffer.from('CERT'),
      key: Buffer.from('KEY'),
      tlsServerName: 'kubernetes',
    });
    const opts: https.RequestOptions = { headers: { Accept: 'application/json' } };
    await conn.applyToHTTPSOptions(opts);
    expect(conn.getCurrentCluster().server).toBe('https://h:6443');
    expect(String(opts.ca)).toBe('CA');
    expect(String(opts.cert)).toBe('CERT');
    expect(String(opts.key)).toBe('KEY');
    expect(opts.servername).toBe('kubernetes');
    expect(opts.rejectUnauthorized).toBeUndefined();
    expect(opts.headers).toEqual({ Accept: 'application/json' });
  });

  it('sends a token as a bearer token', async () => {
    const conn = new CredentialsConnection({
      server: 'https://h',
      token: 't0k',
      insecureSkipTlsVerify: true,
    });
    const opts: https.RequestOptions = {};
    await conn.applyToHTTPSOptions(opts);
    expect(opts.headers).toEqual({ Authorization: 'Bearer t0k' });
    expect(opts.rejectUnauthorized).toBe(false);
  });

  it('reads a token file again after a minute, so a rotated token is used', async () => {
    let token = 'first\n';
    let reads = 0;
    let now = 0;
    const conn = new CredentialsConnection(
      { server: 'https://h', tokenFile: '/sa/token' },
      () => {
        reads++;
        return Buffer.from(token);
      },
      () => now,
    );
    const header = async () => {
      const opts: https.RequestOptions = {};
      await conn.applyToHTTPSOptions(opts);
      return (opts.headers as Record<string, string>).Authorization;
    };
    expect(await header()).toBe('Bearer first');
    token = 'second';
    now = 59_000;
    expect(await header()).toBe('Bearer first');
    now = 60_000;
    expect(await header()).toBe('Bearer second');
    expect(reads).toBe(2);
  });
});

describe('loadConnection', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'connection-test-'));
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it('reads a YAML kubeconfig itself', async () => {
    const file = write(
      'yaml',
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: c',
        '  cluster:',
        '    server: https://127.0.0.1:6443',
        'users:',
        '- name: u',
        '  user:',
        '    token: abc',
        'contexts:',
        '- name: x',
        '  context: {cluster: c, user: u}',
        'current-context: x',
      ].join('\n'),
    );
    const loaded = await loadConnection(file, {});
    expect(loaded.source).toBe('kubeconfig');
    expect(loaded.connection.getCurrentCluster()?.server).toBe('https://127.0.0.1:6443');
  });

  it('reads a JSON kubeconfig itself', async () => {
    const file = write(
      'json',
      JSON.stringify({
        clusters: [{ name: 'c', cluster: { server: 'https://h:1' } }],
        users: [{ name: 'u', user: { token: 't' } }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'x',
      }),
    );
    expect((await loadConnection(file, {})).source).toBe('kubeconfig');
  });

  it('hands a kubeconfig with an exec plugin to the library', async () => {
    const file = write(
      'exec',
      JSON.stringify({
        clusters: [{ name: 'c', cluster: { server: 'https://h:1' } }],
        users: [
          { name: 'u', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'true' } } },
        ],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'x',
      }),
    );
    const loaded = await loadConnection(file, {});
    expect(loaded.source).toBe('library');
    expect(loaded.connection.getCurrentCluster()?.server).toBe('https://h:1');
  });

  it('uses the service account in a pod when no kubeconfig is given', async () => {
    const loaded = await loadConnection(
      undefined,
      { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' },
      () => Buffer.from('x'),
    );
    expect(loaded.source).toBe('in-cluster');
    expect(loaded.connection.getCurrentCluster()?.server).toBe('https://10.0.0.1:443');
  });
});
