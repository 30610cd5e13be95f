// The TLS certificates of Kafka, PostgreSQL and MariaDB, made with openssl once per state folder under
// <state>/tls: one devenv CA of their own, a serving certificate per server, and one client certificate.
//
// The CA is not the control plane's (kube-pki.ts): the API server accepts every client certificate its CA
// signs as a Kubernetes user, and the client certificate made here is handed to relays and tests, so it
// must not be one. Relays in pods get this CA's certificate to verify Kafka and the databases.
//
// Every serving certificate names 127.0.0.1, localhost and the bridge gateway pods reach the servers at,
// plus the names of OUTBOX_RELAY_DEVENV_TLS_SANS (settings.ts). A certificate is made again when the names
// it should carry or the CA that signs it changed; the servers notice the new files and restart.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { bridge } from './node/node-settings.js';
import { run } from './proc.js';
import type { Settings } from './settings.js';

export const CA_COMMON_NAME = 'outbox-devenv-tls-ca';
/** The client certificate's CN: the databases' certificate user, and Kafka's principal User:CN=outbox_cert. */
export const CLIENT_COMMON_NAME = 'outbox_cert';
export const SERVERS = ['kafka', 'postgres', 'mariadb'] as const;
export type TlsServer = (typeof SERVERS)[number];

export interface KeyPair {
  cert: string;
  key: string;
}

export interface TlsPaths {
  dir: string;
  ca: string;
  caKey: string;
  client: KeyPair;
  server: Record<TlsServer, KeyPair>;
}

export function tlsPaths(s: Pick<Settings, 'state'>): TlsPaths {
  const dir = path.join(s.state, 'tls');
  const pair = (stem: string): KeyPair => ({
    cert: path.join(dir, `${stem}.crt`),
    key: path.join(dir, `${stem}.key`),
  });
  return {
    dir,
    ca: path.join(dir, 'ca.crt'),
    caKey: path.join(dir, 'ca.key'),
    client: pair('client'),
    server: { kafka: pair('kafka'), postgres: pair('postgres'), mariadb: pair('mariadb') },
  };
}

/** openssl's subjectAltName entry of an address or a host name. */
export function sanEntry(name: string): string {
  return net.isIP(name) ? `IP:${name}` : `DNS:${name}`;
}

/**
 * What every serving certificate names: loopback, the devenv bridge's gateway (the servers listen there
 * too, for pods on the real node: node/node-settings.ts), and OUTBOX_RELAY_DEVENV_TLS_SANS.
 */
export function serverNames(s: Pick<Settings, 'tlsSans'>): string[] {
  return [...new Set(['127.0.0.1', 'localhost', bridge().gateway, ...s.tlsSans])];
}

function openssl(args: string[], cwd: string): Promise<string> {
  return run('openssl', args, { cwd });
}

/** A self-signed CA as <dir>/<stem>.crt and .key (10 years). */
export async function makeCa(dir: string, stem: string, commonName: string): Promise<void> {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const args = ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '3650', '-sha256'];
  await openssl(
    [...args, '-keyout', `${stem}.key`, '-out', `${stem}.crt`, '-subj', `/CN=${commonName}`],
    dir,
  );
}

export interface Issue {
  dir: string;
  stem: string;
  commonName: string;
  /** The CA's certificate and key files. */
  ca: KeyPair;
  usage: 'server' | 'client';
  /** Server certificates: the names and addresses they are valid for. */
  names?: string[];
}

function extensions(issue: Issue, caPem: string): string {
  const caHash = createHash('sha256').update(caPem).digest('hex');
  return [
    `# signed by the CA with sha256 ${caHash}`,
    'basicConstraints=CA:FALSE',
    'keyUsage=digitalSignature,keyEncipherment',
    `extendedKeyUsage=${issue.usage === 'server' ? 'serverAuth' : 'clientAuth'}`,
    ...(issue.names ? [`subjectAltName=${issue.names.map(sanEntry).join(',')}`] : []),
    '',
  ].join('\n');
}

/**
 * A key and a certificate signed by the CA (PKCS#8 key, as Kafka's PEM key store wants it). Made again
 * only when what it says or its CA changed; says whether it made one.
 */
export async function issueCertificate(issue: Issue): Promise<boolean> {
  const ext = extensions(issue, readFileSync(issue.ca.cert, 'utf8'));
  const extFile = path.join(issue.dir, `${issue.stem}.ext`);
  const crt = path.join(issue.dir, `${issue.stem}.crt`);
  if (existsSync(crt) && existsSync(extFile) && readFileSync(extFile, 'utf8') === ext) return false;
  mkdirSync(issue.dir, { recursive: true, mode: 0o755 });
  writeFileSync(extFile, ext);
  const req = ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${issue.stem}.key`];
  await openssl([...req, '-out', `${issue.stem}.csr`, '-subj', `/CN=${issue.commonName}`], issue.dir);
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      `${issue.stem}.csr`,
      '-CA',
      issue.ca.cert,
      '-CAkey',
      issue.ca.key,
      '-CAserial',
      path.join(issue.dir, `${issue.stem}.srl`),
      '-CAcreateserial',
      '-days',
      '3650',
      '-sha256',
      '-out',
      `${issue.stem}.crt`,
      '-extfile',
      extFile,
    ],
    issue.dir,
  );
  return true;
}

async function makeTlsPki(s: Settings): Promise<TlsPaths> {
  const p = tlsPaths(s);
  if (!existsSync(p.ca) || !existsSync(p.caKey)) await makeCa(p.dir, 'ca', CA_COMMON_NAME);
  const ca = { cert: p.ca, key: p.caKey };
  const names = serverNames(s);
  for (const server of SERVERS) {
    await issueCertificate({ dir: p.dir, stem: server, commonName: server, ca, usage: 'server', names });
  }
  const client = { dir: p.dir, stem: 'client', commonName: CLIENT_COMMON_NAME, ca, usage: 'client' } as const;
  await issueCertificate(client);
  return p;
}

// Kafka, PostgreSQL and MariaDB start side by side and each asks for the PKI: one run makes it.
const making = new Map<string, Promise<TlsPaths>>();

/** The devenv CA, a serving certificate per server and the client certificate, made where missing. */
export function ensureTlsPki(s: Settings): Promise<TlsPaths> {
  const key = `${s.state}\n${serverNames(s).join(',')}`;
  let pending = making.get(key);
  if (!pending) {
    pending = makeTlsPki(s);
    making.set(key, pending);
    pending.catch(() => making.delete(key));
  }
  return pending;
}

/** A short digest of files, so a server restarts when its certificates were made again. */
export function filesDigest(files: readonly string[]): string {
  const hash = createHash('sha256');
  for (const file of files) hash.update(readFileSync(file));
  return hash.digest('hex').slice(0, 16);
}
