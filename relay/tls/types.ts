// TLS material as the configuration holds it: each PEM file with the variable and path it came from, so
// that an error can name both. A private key's PEM is non-enumerable: logging the configuration never
// shows it.
import type { DATABASE_TLS_MODES } from '../config/security-definitions.js';

export interface PemFile {
  /** The setting that named the file, e.g. KAFKA_TLS_CA_FILE. */
  variable: string;
  path: string;
  pem: string;
}

export interface TlsFiles {
  /** CA certificates to verify the server with; none: the system's CAs. */
  ca?: PemFile;
  /** A client certificate and its key, presented when the server asks for one. */
  cert?: PemFile;
  key?: PemFile;
}

/** PostgreSQL's sslmode meanings (MySQL: DISABLED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY). */
export type DatabaseTlsMode = (typeof DATABASE_TLS_MODES)[number];

export interface DatabaseTls extends TlsFiles {
  mode: DatabaseTlsMode;
}

export interface KafkaTls extends TlsFiles {
  enabled: boolean;
  skipVerify: boolean;
}
