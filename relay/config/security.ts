// TLS and SASL as the relay uses them, built from validated settings (security-definitions.ts): the
// database's TLS mode (DB_TLS_MODE, or the Go relay's DB_TLS_ENABLE and DB_TLS_VERIFY mapped onto it), the
// PEM files read once, and Kafka's SASL credentials from a value or a file. The rules that need the mode
// (derived, so outside the table's rules) are checked here, with errors naming the variable.
import { isIP } from 'node:net';
import type { Driver } from '../db/store.js';
import { ConfigError } from '../errors.js';
import { hideSecret } from '../redact.js';
import type { DatabaseTls, DatabaseTlsMode, KafkaTls, TlsFiles } from '../tls/types.js';
import { readCertificates, readKeyPair, readUtf8, readValueFile, type FileReader } from './files.js';
import type { SettingValues } from './parse.js';
import { DATABASE_TLS_MODES, MYSQL_TLS_MODES } from './security-definitions.js';

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

export interface KafkaSasl {
  mechanism: SaslMechanism;
  username: string;
  /** Non-enumerable. */
  password: string;
  /** The variables the user and the password came from, for error messages. */
  usernameFrom: string;
  passwordFrom: string;
}

/** DB_TLS_MODE; unset: DB_TLS_ENABLE and DB_TLS_VERIFY, as each driver understood them before. */
export function databaseTlsMode(v: SettingValues, driver: Driver): DatabaseTlsMode {
  const explicit = v.DB_TLS_MODE as string | undefined;
  if (explicit !== undefined) {
    const mysqlName = (MYSQL_TLS_MODES as readonly string[]).indexOf(explicit);
    return mysqlName >= 0 ? DATABASE_TLS_MODES[mysqlName]! : (explicit as DatabaseTlsMode);
  }
  if (!v.DB_TLS_ENABLE) return 'disable';
  if (!v.DB_TLS_VERIFY) return 'require';
  // node-postgres checked the host name with rejectUnauthorized; mysql2 did not (verifyIdentity was off).
  return driver === 'postgres' ? 'verify-full' : 'verify-ca';
}

function tlsFiles(
  v: SettingValues,
  names: { ca: string; cert: string; key: string },
  read: FileReader,
): TlsFiles {
  const files: TlsFiles = {};
  const ca = v[names.ca] as string | undefined;
  const cert = v[names.cert] as string | undefined;
  const key = v[names.key] as string | undefined;
  if (ca !== undefined) files.ca = readCertificates(names.ca, ca, read);
  if (cert !== undefined && key !== undefined) {
    Object.assign(
      files,
      readKeyPair({ variable: names.cert, path: cert }, { variable: names.key, path: key }, read),
    );
  }
  return files;
}

const DB_FILES = { ca: 'DB_TLS_CA_FILE', cert: 'DB_TLS_CERT_FILE', key: 'DB_TLS_KEY_FILE' };
const KAFKA_FILES = { ca: 'KAFKA_TLS_CA_FILE', cert: 'KAFKA_TLS_CERT_FILE', key: 'KAFKA_TLS_KEY_FILE' };

function checkDatabaseMode(v: SettingValues, driver: Driver, mode: DatabaseTlsMode): void {
  if (mode === 'disable') {
    const named = [DB_FILES.ca, DB_FILES.cert].find((name) => v[name] !== undefined);
    if (named) {
      throw new ConfigError(named, 'is set, but TLS to the database is off (DB_TLS_MODE, or DB_TLS_ENABLE)');
    }
  }
  if (mode === 'require' && v.DB_TLS_CA_FILE !== undefined) {
    throw new ConfigError(
      'DB_TLS_CA_FILE',
      "is set, but the TLS mode require does not verify the server's certificate: set DB_TLS_MODE to verify-ca or verify-full, or leave DB_TLS_CA_FILE unset",
    );
  }
  if (mode === 'verify-full' && driver === 'mysql' && isIP(v.DB_HOST as string) !== 0) {
    throw new ConfigError(
      'DB_TLS_MODE',
      `verify-full on mysql needs DB_HOST to be a host name, not the address ${String(v.DB_HOST)}: the driver (mysql2) cannot check an IP address against the certificate; use a name the certificate carries, or verify-ca`,
    );
  }
}

export function databaseTls(v: SettingValues, driver: Driver, read: FileReader = readUtf8): DatabaseTls {
  const mode = databaseTlsMode(v, driver);
  checkDatabaseMode(v, driver, mode);
  return { mode, ...tlsFiles(v, DB_FILES, read) };
}

export function kafkaTls(v: SettingValues, read: FileReader = readUtf8): KafkaTls {
  const base = { enabled: v.TLS_ENABLE as boolean, skipVerify: v.TLS_SKIP_VERIFY_PEER as boolean };
  return { ...base, ...tlsFiles(v, KAFKA_FILES, read) };
}

/** The SASL credentials, each from its variable or from the file its _FILE variable names. */
export function kafkaSasl(v: SettingValues, read: FileReader = readUtf8): KafkaSasl | undefined {
  const mechanism = v.KAFKA_SASL_MECHANISM as SaslMechanism | undefined;
  if (!mechanism) return undefined;
  const fromValueOrFile = (name: string): [string, string] => {
    const file = v[`${name}_FILE`] as string | undefined;
    if (file !== undefined) return [readValueFile(`${name}_FILE`, file, read), `${name}_FILE`];
    return [v[name] as string, name];
  };
  const [username, usernameFrom] = fromValueOrFile('KAFKA_SASL_USERNAME');
  const [password, passwordFrom] = fromValueOrFile('KAFKA_SASL_PASSWORD');
  return hideSecret({ mechanism, username, usernameFrom, passwordFrom } as KafkaSasl, 'password', password);
}
