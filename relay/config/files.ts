// Reads the files the TLS and SASL settings name, once at start. A failure is a ConfigError naming the
// variable and the path, never the content. Certificates and keys are parsed here, so that a wrong file
// (not PEM, an encrypted key, a key of another certificate) is reported at start, in words, rather than
// as an OpenSSL error at the first connection.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import { hideSecret } from '../redact.js';
import type { PemFile } from '../tls/types.js';

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'a folder, not a file',
};

export type FileReader = (path: string) => string;

export const readUtf8: FileReader = (path) => readFileSync(path, 'utf8');

function readText(variable: string, path: string, read: FileReader): string {
  try {
    return read(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    const why = REASONS[code];
    throw new ConfigError(variable, `cannot read ${path} (${code}${why ? `: ${why}` : ''})`);
  }
}

const CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

function certificatesIn(pem: string): string[] {
  return pem.match(CERTIFICATE) ?? [];
}

/** A PEM file of one or more certificates (a CA bundle, or a certificate and its chain). */
export function readCertificates(variable: string, path: string, read = readUtf8): PemFile {
  const pem = readText(variable, path, read);
  const blocks = certificatesIn(pem);
  if (blocks.length === 0) {
    throw new ConfigError(variable, `${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  }
  blocks.forEach((block, i) => {
    try {
      new X509Certificate(block);
    } catch {
      throw new ConfigError(variable, `${path}: certificate ${i + 1} of ${blocks.length} cannot be parsed`);
    }
  });
  return { variable, path, pem };
}

/** A PEM private key, unencrypted; its PEM is non-enumerable. */
export function readPrivateKey(variable: string, path: string, read = readUtf8): PemFile {
  const pem = readText(variable, path, read);
  // Node's error for a key without its passphrase says "interrupted or cancelled": look at the PEM instead.
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(pem)) {
    throw new ConfigError(
      variable,
      `${path} holds an encrypted private key; the relay needs it unencrypted (PKCS#8 or PKCS#1 PEM)`,
    );
  }
  try {
    createPrivateKey(pem);
  } catch {
    throw new ConfigError(variable, `${path} holds no PEM private key`);
  }
  return hideSecret({ variable, path } as PemFile, 'pem', pem);
}

/** A client certificate and its key, checked to belong together. */
export function readKeyPair(
  cert: { variable: string; path: string },
  key: { variable: string; path: string },
  read = readUtf8,
): { cert: PemFile; key: PemFile } {
  const certFile = readCertificates(cert.variable, cert.path, read);
  const keyFile = readPrivateKey(key.variable, key.path, read);
  const leaf = new X509Certificate(certificatesIn(certFile.pem)[0] as string);
  if (!leaf.checkPrivateKey(createPrivateKey(keyFile.pem))) {
    throw new ConfigError(
      key.variable,
      `the key in ${key.path} does not belong to the certificate in ${cert.variable} (${cert.path})`,
    );
  }
  return { cert: certFile, key: keyFile };
}

/**
 * A file holding one value (a user name, a password), without its final newline. Empty is refused unless
 * `allowEmpty` (a database user that presents a certificate has no password, as an empty DB_PASS says).
 */
export function readValueFile(
  variable: string,
  path: string,
  read = readUtf8,
  options: { allowEmpty?: boolean } = {},
): string {
  const text = readText(variable, path, read).replace(/\r?\n$/, '');
  if (text === '' && !options.allowEmpty) throw new ConfigError(variable, `${path} is empty`);
  return text;
}
