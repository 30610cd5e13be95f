// The control plane's certificates, made once per state folder with openssl: a CA, the API server's
// serving certificate, the service-account signing key, and client certificates for each identity that
// talks to the API server. Authentication is real (client certificates) and authorization is RBAC.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { run } from './proc.js';

export interface ClientIdentity {
  /** file name stem */
  name: string;
  /** the user name Kubernetes sees */
  commonName: string;
  /** the groups Kubernetes sees */
  organizations: string[];
}

/** The control-plane components run as cluster administrators; tests use the admin identity to set up. */
export const CLIENTS: ClientIdentity[] = [
  { name: 'admin', commonName: 'outbox-devenv-admin', organizations: ['system:masters'] },
  {
    name: 'kube-controller-manager',
    commonName: 'system:kube-controller-manager',
    organizations: ['system:masters'],
  },
  { name: 'kube-scheduler', commonName: 'system:kube-scheduler', organizations: ['system:masters'] },
  { name: 'kwok', commonName: 'kwok-controller', organizations: ['system:masters'] },
];

async function openssl(args: string[], cwd: string): Promise<void> {
  await run('openssl', args, { cwd });
}

async function signed(pki: string, stem: string, subject: string, extensions: string): Promise<void> {
  const ext = path.join(pki, `${stem}.ext`);
  writeFileSync(ext, extensions);
  await openssl(
    [
      'req',
      '-new',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${stem}.key`,
      '-out',
      `${stem}.csr`,
      '-subj',
      subject,
    ],
    pki,
  );
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      `${stem}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '3650',
      '-sha256',
      '-out',
      `${stem}.crt`,
      '-extfile',
      ext,
    ],
    pki,
  );
}

export function subject(identity: ClientIdentity): string {
  return ['', ...identity.organizations.map((o) => `O=${o}`), `CN=${identity.commonName}`].join('/');
}

export async function ensurePki(pki: string): Promise<void> {
  if (existsSync(path.join(pki, '.complete'))) return;
  mkdirSync(pki, { recursive: true, mode: 0o700 });
  await openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '3650',
      '-subj',
      '/CN=outbox-devenv-ca',
    ],
    pki,
  );
  await signed(
    pki,
    'apiserver',
    '/CN=kube-apiserver',
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local',
      '',
    ].join('\n'),
  );
  for (const client of CLIENTS) {
    await signed(
      pki,
      client.name,
      subject(client),
      [
        'basicConstraints=CA:FALSE',
        'keyUsage=digitalSignature,keyEncipherment',
        'extendedKeyUsage=clientAuth',
        '',
      ].join('\n'),
    );
  }
  await openssl(['genrsa', '-out', 'sa.key', '2048'], pki);
  await openssl(['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], pki);
  writeFileSync(path.join(pki, '.complete'), 'ok\n');
}

/** A kubeconfig with the certificates embedded, so it can be copied anywhere. */
export function kubeconfig(options: {
  server: string;
  caPem: string;
  certPem: string;
  keyPem: string;
  user: string;
}): string {
  const b64 = (pem: string) => Buffer.from(pem).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: outbox-devenv',
    '  cluster:',
    `    server: ${options.server}`,
    `    certificate-authority-data: ${b64(options.caPem)}`,
    'users:',
    `- name: ${options.user}`,
    '  user:',
    `    client-certificate-data: ${b64(options.certPem)}`,
    `    client-key-data: ${b64(options.keyPem)}`,
    'contexts:',
    '- name: outbox-devenv',
    '  context:',
    '    cluster: outbox-devenv',
    `    user: ${options.user}`,
    'current-context: outbox-devenv',
    '',
  ].join('\n');
}

export function writeKubeconfigs(pki: string, dir: string, server: string): void {
  mkdirSync(dir, { recursive: true });
  const caPem = readFileSync(path.join(pki, 'ca.crt'), 'utf8');
  for (const client of CLIENTS) {
    const text = kubeconfig({
      server,
      caPem,
      certPem: readFileSync(path.join(pki, `${client.name}.crt`), 'utf8'),
      keyPem: readFileSync(path.join(pki, `${client.name}.key`), 'utf8'),
      user: client.commonName,
    });
    writeFileSync(path.join(dir, `${client.name}.kubeconfig`), text, { mode: 0o600 });
  }
}
