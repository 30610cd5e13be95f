// Throwaway PEM files for unit tests of the TLS settings, made with openssl in a temporary folder: a CA, a
// client certificate it signed with its key, another key, an encrypted key, and a file that is not PEM.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface PemFixtures {
  dir: string;
  ca: string;
  cert: string;
  key: string;
  otherKey: string;
  encryptedKey: string;
  notPem: string;
  remove(): void;
}

export function makePemFixtures(): PemFixtures {
  const dir = mkdtempSync(path.join(tmpdir(), 'relay-pem-'));
  const at = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-days', '2', '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=test-ca');
  openssl('req', '-new', ...ec, '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=client');
  openssl(
    'x509',
    '-req',
    '-in',
    'client.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-out',
    'client.crt',
  );
  openssl('genpkey', '-algorithm', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', 'other.key');
  openssl('pkey', '-in', 'other.key', '-aes256', '-passout', 'pass:fixture', '-out', 'encrypted.key');
  writeFileSync(at('not.pem'), 'just some text\n');
  return {
    dir,
    ca: at('ca.crt'),
    cert: at('client.crt'),
    key: at('client.key'),
    otherKey: at('other.key'),
    encryptedKey: at('encrypted.key'),
    notPem: at('not.pem'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
