import path from 'node:path';
import { credentialsFromKubeconfig, inClusterCredentials, KubeconfigError } from './kubeconfig.js';

const files: Record<string, string> = {
  '/etc/kube/ca.crt': 'CA-FROM-FILE',
  '/etc/kube/client.crt': 'CERT-FROM-FILE',
  '/etc/kube/client.key': 'KEY-FROM-FILE',
  '/sa/ca.crt': 'SA-CA',
};
const readFile = (f: string) => {
  const text = files[f];
  if (text === undefined) throw new Error(`ENOENT ${f}`);
  return Buffer.from(text);
};
const b64 = (s: string) => Buffer.from(s).toString('base64');

function kubeconfig(cluster: Record<string, unknown>, user: Record<string, unknown>) {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'other', cluster: { server: 'https://other:6443' } },
      { name: 'local', cluster: { server: 'https://127.0.0.1:6443', ...cluster } },
    ],
    users: [{ name: 'me', user }],
    contexts: [{ name: 'ctx', context: { cluster: 'local', user: 'me', namespace: 'a' } }],
    'current-context': 'ctx',
  };
}

describe('credentialsFromKubeconfig', () => {
  it("reads a token with inline CA data (as the tests' ServiceAccount kubeconfig has)", () => {
    const creds = credentialsFromKubeconfig(
      kubeconfig({ 'certificate-authority-data': b64('CA') }, { token: 't0k' }),
      '/etc/kube',
      readFile,
    );
    expect(creds).toMatchObject({ server: 'https://127.0.0.1:6443', token: 't0k' });
    expect(creds?.ca?.toString()).toBe('CA');
    expect(creds?.cert).toBeUndefined();
  });

  it('reads client certificates inline (the devenv admin kubeconfig)', () => {
    const creds = credentialsFromKubeconfig(
      kubeconfig(
        { 'certificate-authority-data': b64('CA') },
        { 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY') },
      ),
      '/etc/kube',
      readFile,
    );
    expect(creds?.cert?.toString()).toBe('CERT');
    expect(creds?.key?.toString()).toBe('KEY');
  });

  it('reads files relative to the kubeconfig folder', () => {
    const creds = credentialsFromKubeconfig(
      kubeconfig(
        { 'certificate-authority': 'ca.crt', 'tls-server-name': 'kubernetes' },
        { 'client-certificate': 'client.crt', 'client-key': '/etc/kube/client.key', tokenFile: 'token' },
      ),
      '/etc/kube',
      readFile,
    );
    expect(creds?.ca?.toString()).toBe('CA-FROM-FILE');
    expect(creds?.cert?.toString()).toBe('CERT-FROM-FILE');
    expect(creds?.key?.toString()).toBe('KEY-FROM-FILE');
    expect(creds?.tokenFile).toBe(path.resolve('/etc/kube', 'token'));
    expect(creds?.tlsServerName).toBe('kubernetes');
  });

  it('reads insecure-skip-tls-verify', () => {
    const creds = credentialsFromKubeconfig(
      kubeconfig({ 'insecure-skip-tls-verify': true }, {}),
      '/',
      readFile,
    );
    expect(creds?.insecureSkipTlsVerify).toBe(true);
  });

  it.each([
    ['an exec plugin', {}, { exec: { command: 'aws' } }],
    ['an auth provider', {}, { 'auth-provider': { name: 'oidc' } }],
    ['basic authentication', {}, { username: 'u', password: 'p' }],
    ['impersonation', {}, { token: 't', as: 'admin' }],
    ['a proxy', { 'proxy-url': 'http://proxy:3128' }, { token: 't' }],
  ])('leaves %s to the library', (_name, cluster, user) => {
    expect(credentialsFromKubeconfig(kubeconfig(cluster, user), '/', readFile)).toBeUndefined();
  });

  it.each([
    ['no current-context', { ...kubeconfig({}, {}), 'current-context': undefined }, /no current-context/],
    ['a missing context', { ...kubeconfig({}, {}), 'current-context': 'nope' }, /no context nope/],
    ['a context naming a missing cluster', { ...kubeconfig({}, {}), clusters: [] }, /no cluster local/],
    ['not a mapping', 'text', /not a mapping/],
  ])('refuses %s with a KubeconfigError', (_name, doc, message) => {
    expect(() => credentialsFromKubeconfig(doc, '/', readFile)).toThrow(KubeconfigError);
    expect(() => credentialsFromKubeconfig(doc, '/', readFile)).toThrow(message);
  });
});

describe('inClusterCredentials', () => {
  it('takes the server from the service environment and the CA and token file from the mount', () => {
    const creds = inClusterCredentials(
      { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' },
      readFile,
      '/sa',
    );
    expect(creds.server).toBe('https://10.0.0.1:443');
    expect(creds.ca?.toString()).toBe('SA-CA');
    expect(creds.tokenFile).toBe('/sa/token');
  });

  it('brackets an IPv6 address', () => {
    const creds = inClusterCredentials(
      { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' },
      readFile,
      '/sa',
    );
    expect(creds.server).toBe('https://[fd00::1]:443');
  });

  it('refuses a missing service port', () => {
    expect(() => inClusterCredentials({ KUBERNETES_SERVICE_HOST: 'h' }, readFile, '/sa')).toThrow(
      KubeconfigError,
    );
  });
});
