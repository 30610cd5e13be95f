// TLS for the database containers, as the devenv's servers and MySQL 8's own image serve it: beside plain
// connections, with a certificate for localhost and 127.0.0.1 signed by a throwaway CA of this checkout's
// (in the state folder, made once) that no system trust store holds, so `require` connects and
// `verify-ca` without that CA is refused. PostgreSQL takes it through the module's withSSLCert; MySQL
// and MariaDB through copied files and the server's --ssl-* options.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { stateRoot } from '../paths.js';
import { issueCertificate, makeCa } from '../tls-pki.js';

export interface ContainerTls {
  ca: string;
  cert: string;
  key: string;
}

export async function containerTls(env: NodeJS.ProcessEnv = process.env): Promise<ContainerTls> {
  const dir = path.join(stateRoot(env), 'testcontainers', 'tls');
  const ca = { cert: path.join(dir, 'ca.crt'), key: path.join(dir, 'ca.key') };
  if (!existsSync(ca.cert) || !existsSync(ca.key)) await makeCa(dir, 'ca', 'outbox-testcontainers-ca');
  await issueCertificate({
    dir,
    stem: 'server',
    commonName: 'localhost',
    ca,
    usage: 'server',
    names: ['localhost', '127.0.0.1'],
  });
  return { ca: ca.cert, cert: path.join(dir, 'server.crt'), key: path.join(dir, 'server.key') };
}

/** Where the MySQL container finds them, readable by its server's user. */
export const MYSQL_TLS_DIR = '/etc/outbox-tls';

export function mysqlTlsFiles(tls: ContainerTls): { source: string; target: string; mode: number }[] {
  return [
    { source: tls.ca, target: `${MYSQL_TLS_DIR}/ca.pem`, mode: 0o644 },
    { source: tls.cert, target: `${MYSQL_TLS_DIR}/server-cert.pem`, mode: 0o644 },
    // A throwaway key of a loopback-only test server; the server's user must read it.
    { source: tls.key, target: `${MYSQL_TLS_DIR}/server-key.pem`, mode: 0o644 },
  ];
}

export function mysqlTlsArgs(): string[] {
  return [
    `--ssl-ca=${MYSQL_TLS_DIR}/ca.pem`,
    `--ssl-cert=${MYSQL_TLS_DIR}/server-cert.pem`,
    `--ssl-key=${MYSQL_TLS_DIR}/server-key.pem`,
  ];
}
