// The credentials the operator connects with, read from a kubeconfig document or from the in-cluster
// service account. Only what the operator's deployments use is supported: a server with its CA, and a
// bearer token (inline or a file) or a client certificate. Anything else (exec plugins, auth providers,
// proxies, impersonation, several files in KUBECONFIG) is left to the library's KubeConfig (connection.ts).
// Why not always the library: its KubeConfig module loads every generated API model, 65 MB of the
// operator's RSS (bench/RESULTS.md).
import net from 'node:net';
import path from 'node:path';

export interface Credentials {
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  insecureSkipTlsVerify?: boolean;
  tlsServerName?: string;
  token?: string;
  /** Read again from time to time: projected service account tokens are rotated. */
  tokenFile?: string;
}

export class KubeconfigError extends Error {
  override readonly name = 'KubeconfigError';
}

export type ReadFile = (file: string) => Buffer;

type Fields = Record<string, unknown>;

const SUPPORTED_CLUSTER = new Set([
  'server',
  'certificate-authority',
  'certificate-authority-data',
  'insecure-skip-tls-verify',
  'tls-server-name',
  'extensions',
]);
const SUPPORTED_USER = new Set([
  'token',
  'tokenFile',
  'client-certificate',
  'client-certificate-data',
  'client-key',
  'client-key-data',
  'extensions',
]);

function entry(list: unknown, name: unknown, field: string, what: string): Fields {
  const found = (Array.isArray(list) ? (list as Fields[]) : []).find((e) => e?.name === name);
  const value = found?.[field];
  if (!value || typeof value !== 'object')
    throw new KubeconfigError(`the kubeconfig has no ${what} ${String(name)}`);
  return value as Fields;
}

function str(fields: Fields, key: string): string | undefined {
  const v = fields[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * The current context's credentials, or undefined when it uses something only the library supports.
 * Relative file names are taken from the kubeconfig's folder, as kubectl does.
 */
export function credentialsFromKubeconfig(
  doc: unknown,
  dir: string,
  readFile: ReadFile,
): Credentials | undefined {
  if (!doc || typeof doc !== 'object') throw new KubeconfigError('the kubeconfig is not a mapping');
  const d = doc as Fields;
  const current = str(d, 'current-context');
  if (!current) throw new KubeconfigError('the kubeconfig has no current-context');
  const context = entry(d.contexts, current, 'context', 'context');
  const cluster = entry(d.clusters, context.cluster, 'cluster', 'cluster');
  const user = context.user === undefined ? {} : entry(d.users, context.user, 'user', 'user');
  if (Object.keys(cluster).some((k) => !SUPPORTED_CLUSTER.has(k))) return undefined;
  if (Object.keys(user).some((k) => !SUPPORTED_USER.has(k))) return undefined;
  const server = str(cluster, 'server');
  if (!server) throw new KubeconfigError(`cluster ${String(context.cluster)} has no server`);
  const file = (name: string | undefined) => (name ? readFile(path.resolve(dir, name)) : undefined);
  const data = (b64: string | undefined) => (b64 ? Buffer.from(b64, 'base64') : undefined);
  const tokenFile = str(user, 'tokenFile');
  return {
    server,
    ca: data(str(cluster, 'certificate-authority-data')) ?? file(str(cluster, 'certificate-authority')),
    cert: data(str(user, 'client-certificate-data')) ?? file(str(user, 'client-certificate')),
    key: data(str(user, 'client-key-data')) ?? file(str(user, 'client-key')),
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    tlsServerName: str(cluster, 'tls-server-name'),
    token: str(user, 'token'),
    tokenFile: tokenFile ? path.resolve(dir, tokenFile) : undefined,
  };
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** In a pod: the API server from the service environment, the mounted CA and (rotated) token. */
export function inClusterCredentials(
  env: Record<string, string | undefined>,
  readFile: ReadFile,
  dir = SERVICE_ACCOUNT_DIR,
): Credentials {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port)
    throw new KubeconfigError('KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set');
  return {
    server: `https://${net.isIPv6(host) ? `[${host}]` : host}:${port}`,
    ca: readFile(path.join(dir, 'ca.crt')),
    tokenFile: path.join(dir, 'token'),
  };
}
