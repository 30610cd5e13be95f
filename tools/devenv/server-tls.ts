// What PostgreSQL and MariaDB need to serve TLS with the devenv CA (tls-pki.ts): their certificate, key and
// the CA (to verify client certificates), copied into the server's own folder and owned by the user it runs
// as (PostgreSQL refuses a key that another user can read). And the restart rule for both: a server is
// started with a fingerprint of everything it reads only at start (its arguments, certificates and access
// rules); one running with another fingerprint is stopped and started again.
import { chmodSync, chownSync, copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { filesDigest, type TlsPaths } from './tls-pki.js';
import { ownedDir, type Identity } from './users.js';

export interface ServerTlsFiles {
  ca: string;
  cert: string;
  key: string;
}

/** Copies the server's key pair and the CA into <home>/tls, owned by the server's user. */
export function installServerTls(
  home: string,
  server: 'postgres' | 'mariadb',
  pki: TlsPaths,
  who: Identity,
): ServerTlsFiles {
  const dir = path.join(home, 'tls');
  ownedDir(dir, who);
  const files = {
    ca: path.join(dir, 'ca.crt'),
    cert: path.join(dir, 'server.crt'),
    key: path.join(dir, 'server.key'),
  };
  const copies: Array<[string, string, number]> = [
    [pki.ca, files.ca, 0o644],
    [pki.server[server].cert, files.cert, 0o644],
    [pki.server[server].key, files.key, 0o600],
  ];
  for (const [from, to, mode] of copies) {
    copyFileSync(from, to);
    chmodSync(to, mode);
    if (who.uid !== undefined && who.gid !== undefined) chownSync(to, who.uid, who.gid);
  }
  return files;
}

/** A fingerprint of a server's start: its arguments and the files it reads only then. */
export function startFingerprint(args: readonly string[], files: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify(args)).update(filesDigest(files)).digest('hex');
}

function fingerprintFile(home: string): string {
  return path.join(home, 'started-with.sha256');
}

/** True when the server at `home` was started with this fingerprint. */
export function startedWith(home: string, fingerprint: string): boolean {
  const file = fingerprintFile(home);
  return existsSync(file) && readFileSync(file, 'utf8').trim() === fingerprint;
}

export function recordStart(home: string, fingerprint: string): void {
  writeFileSync(fingerprintFile(home), `${fingerprint}\n`);
}
