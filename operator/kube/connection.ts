// The operator's connection to the API server: our own reading of the kubeconfig or of the in-cluster
// service account (kubeconfig.ts) where it covers the case, the library's KubeConfig, loaded only then,
// where it does not. Measured RSS of node importing the library: 111-116 MB, against 39 MB for bare node.
import { readFileSync } from 'node:fs';
import type https from 'node:https';
import path from 'node:path';
import type { KubeConnection } from './client.js';
import {
  credentialsFromKubeconfig,
  inClusterCredentials,
  type Credentials,
  type ReadFile,
} from './kubeconfig.js';

// client-go reads a token file again after a minute, so a rotated token is picked up.
const TOKEN_FILE_TTL_MS = 60_000;

export class CredentialsConnection implements KubeConnection {
  private token: { value: string; readAt: number } | undefined;

  constructor(
    private readonly creds: Credentials,
    private readonly readFile: ReadFile = readFileSync,
    private readonly now: () => number = Date.now,
  ) {}

  getCurrentCluster(): { server: string } {
    return { server: this.creds.server };
  }

  async applyToHTTPSOptions(opts: https.RequestOptions): Promise<void> {
    const c = this.creds;
    if (c.ca) opts.ca = c.ca;
    if (c.cert) opts.cert = c.cert;
    if (c.key) opts.key = c.key;
    if (c.insecureSkipTlsVerify) opts.rejectUnauthorized = false;
    if (c.tlsServerName) opts.servername = c.tlsServerName;
    const token = this.bearerToken();
    if (token) opts.headers = { ...opts.headers, Authorization: `Bearer ${token}` };
  }

  private bearerToken(): string | undefined {
    const file = this.creds.tokenFile;
    if (!file) return this.creds.token;
    const now = this.now();
    if (!this.token || now - this.token.readAt >= TOKEN_FILE_TTL_MS) {
      this.token = { value: this.readFile(file).toString('utf8').trim(), readAt: now };
    }
    return this.token.value;
  }
}

export interface LoadedConnection {
  connection: KubeConnection;
  /** Which reader was used, for the startup log. */
  source: 'kubeconfig' | 'in-cluster' | 'library';
}

async function parseDocument(text: string): Promise<unknown> {
  try {
    return JSON.parse(text);
  } catch {
    const yaml = await import('js-yaml');
    return yaml.load(text);
  }
}

async function libraryConnection(file: string | undefined): Promise<LoadedConnection> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  if (file) kc.loadFromFile(file);
  else kc.loadFromDefault();
  return { connection: kc, source: 'library' };
}

/** The kubeconfig file if given, else the in-cluster service account in a pod, else kubectl's default. */
export async function loadConnection(
  kubeconfig: string | undefined,
  env: Record<string, string | undefined> = process.env,
  readFile: ReadFile = readFileSync,
): Promise<LoadedConnection> {
  if (kubeconfig && !kubeconfig.includes(path.delimiter)) {
    const doc = await parseDocument(readFile(kubeconfig).toString('utf8'));
    const creds = credentialsFromKubeconfig(doc, path.dirname(path.resolve(kubeconfig)), readFile);
    if (creds) return { connection: new CredentialsConnection(creds, readFile), source: 'kubeconfig' };
    return libraryConnection(kubeconfig);
  }
  if (!kubeconfig && env.KUBERNETES_SERVICE_HOST) {
    return {
      connection: new CredentialsConnection(inClusterCredentials(env, readFile), readFile),
      source: 'in-cluster',
    };
  }
  // Several files in KUBECONFIG, or none: kubectl's merging rules are the library's.
  return libraryConnection(undefined);
}
