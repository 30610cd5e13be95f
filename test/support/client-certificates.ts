// Client certificates of the tests' own, signed by the devenv CA (the one the servers trust), with the
// validity the test chooses: a fresh one to rotate to, or one that expired before it was made, which the
// brokers refuse while everything else about it is right. `openssl ca` is used because only it takes an
// explicit start and end date (x509 -req takes a number of days from now).
import { X509Certificate, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run } from '../../tools/devenv/proc.js';
import { settings } from '../../tools/devenv/settings.js';
import { tlsPaths } from '../../tools/devenv/tls-pki.js';

export interface ClientCertificate {
  commonName: string;
  /** PEM. */
  cert: string;
  /** PEM, PKCS#8, unencrypted. */
  key: string;
  /** Hex, as X509Certificate.serialNumber spells it. */
  serial: string;
}

/** openssl ca's date format. */
function asn1Time(date: Date): string {
  return `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

const CONFIG = (dir: string) =>
  [
    '[ca]',
    'default_ca = devenv',
    '[devenv]',
    `database = ${dir}/index.txt`,
    `new_certs_dir = ${dir}`,
    `serial = ${dir}/serial`,
    'default_md = sha256',
    'policy = any_name',
    'unique_subject = no',
    '[any_name]',
    'commonName = supplied',
    '[client]',
    'basicConstraints = CA:FALSE',
    'keyUsage = digitalSignature,keyEncipherment',
    'extendedKeyUsage = clientAuth',
    '',
  ].join('\n');

/** A client certificate from the devenv CA valid from `notBefore` to `notAfter`. */
export async function devenvClientCertificate(
  commonName: string,
  validity: { notBefore: Date; notAfter: Date },
): Promise<ClientCertificate> {
  const pki = tlsPaths(settings());
  const dir = mkdtempSync(path.join(tmpdir(), 'client-cert-'));
  try {
    writeFileSync(path.join(dir, 'ca.cnf'), CONFIG(dir));
    writeFileSync(path.join(dir, 'index.txt'), '');
    // A random serial, so that a rotated certificate is told from the one before by its serial.
    writeFileSync(path.join(dir, 'serial'), `${randomBytes(8).toString('hex').replace(/^0/, '1')}\n`);
    const req = ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${commonName}`];
    await run('openssl', [...req, '-keyout', 'client.key', '-out', 'client.csr'], { cwd: dir });
    await run(
      'openssl',
      [
        'ca',
        '-batch',
        '-notext',
        '-config',
        'ca.cnf',
        '-cert',
        pki.ca,
        '-keyfile',
        pki.caKey,
        '-extensions',
        'client',
        '-startdate',
        asn1Time(validity.notBefore),
        '-enddate',
        asn1Time(validity.notAfter),
        '-in',
        'client.csr',
        '-out',
        'client.crt',
      ],
      { cwd: dir },
    );
    const cert = readFileSync(path.join(dir, 'client.crt'), 'utf8');
    const key = readFileSync(path.join(dir, 'client.key'), 'utf8');
    return { commonName, cert, key, serial: new X509Certificate(cert).serialNumber };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const HOUR = 3_600_000;

/** Valid from an hour ago for a day. */
export function freshClientCertificate(commonName: string): Promise<ClientCertificate> {
  const now = Date.now();
  return devenvClientCertificate(commonName, {
    notBefore: new Date(now - HOUR),
    notAfter: new Date(now + 24 * HOUR),
  });
}

/** Expired yesterday: signed by the right CA, for the right use, only out of date. */
export function expiredClientCertificate(commonName: string): Promise<ClientCertificate> {
  const now = Date.now();
  return devenvClientCertificate(commonName, {
    notBefore: new Date(now - 72 * HOUR),
    notAfter: new Date(now - 24 * HOUR),
  });
}
