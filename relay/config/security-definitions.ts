// The settings of TLS and SASL, to Kafka and to the database, and the rules that tie them together. Key
// material and passwords come from files (mounted Secrets), named by path: never from the environment
// itself, except the Go relay's KAFKA_SASL_PASSWORD and DB_PASS. Files are read once at start
// (config/files.ts); a rotated Secret reaches the relay with the new pod its change rolls out.
import type { SettingDefinition, SettingRule } from './setting-types.js';

const bool = { kind: 'boolean' } as const;
const file = { kind: 'file' } as const;

export const DATABASE_TLS_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;
/** MySQL's ssl-mode names for the same modes, in the same order. */
export const MYSQL_TLS_MODES = ['DISABLED', 'REQUIRED', 'VERIFY_CA', 'VERIFY_IDENTITY'] as const;

export const DATABASE_TLS_SETTINGS: readonly SettingDefinition[] = [
  {
    name: 'DB_TLS_ENABLE',
    type: bool,
    default: 'false',
    description:
      'Connect to the database over TLS. DB_TLS_MODE, when set, replaces DB_TLS_ENABLE and DB_TLS_VERIFY.',
  },
  {
    name: 'DB_TLS_VERIFY',
    type: bool,
    default: 'true',
    description:
      "Verify the database server's certificate. With DB_TLS_ENABLE=true: true is verify-full on postgres and verify-ca on mysql (what each driver checked before DB_TLS_MODE existed), false is require.",
  },
  {
    name: 'DB_TLS_MODE',
    type: { kind: 'enum', values: DATABASE_TLS_MODES, aliases: MYSQL_TLS_MODES },
    description:
      "TLS to the database, as PostgreSQL's sslmode: disable; require (encrypted, the certificate not checked); verify-ca (the certificate is signed by a CA of DB_TLS_CA_FILE, or of the system when unset); verify-full (verify-ca, and the certificate names DB_HOST). MySQL's names are accepted too: DISABLED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY. On mysql, verify-full needs DB_HOST to be a host name: the driver cannot check an IP address against the certificate. Unset: DB_TLS_ENABLE and DB_TLS_VERIFY decide.",
  },
  {
    name: 'DB_TLS_CA_FILE',
    type: file,
    description:
      "PEM file of the CA certificates that sign the database server's certificate (a managed database's CA bundle); unset: the system's CAs. Only with DB_TLS_MODE verify-ca or verify-full.",
  },
  {
    name: 'DB_TLS_CERT_FILE',
    type: file,
    description:
      'PEM file of the client certificate for a database user that must present one (PostgreSQL `cert` authentication, MySQL REQUIRE X509 or SUBJECT); with DB_TLS_KEY_FILE.',
  },
  {
    name: 'DB_TLS_KEY_FILE',
    type: file,
    description: "PEM file of the client certificate's private key, unencrypted; with DB_TLS_CERT_FILE.",
  },
];

export const KAFKA_SECURITY_SETTINGS: readonly SettingDefinition[] = [
  {
    name: 'KAFKA_TLS_CA_FILE',
    type: file,
    description:
      "PEM file of the CA certificates that sign the brokers' certificates (Strimzi: ca.crt of the <cluster>-cluster-ca-cert Secret); unset: the system's CAs. Needs TLS_ENABLE=true; not with TLS_SKIP_VERIFY_PEER=true.",
  },
  {
    name: 'KAFKA_TLS_CERT_FILE',
    type: file,
    description:
      'PEM file of the client certificate for brokers that require one (Strimzi: user.crt of a tls KafkaUser); with KAFKA_TLS_KEY_FILE; needs TLS_ENABLE=true.',
  },
  {
    name: 'KAFKA_TLS_KEY_FILE',
    type: file,
    description:
      "PEM file of the client certificate's private key, unencrypted (Strimzi: user.key); with KAFKA_TLS_CERT_FILE.",
  },
  {
    name: 'KAFKA_SASL_MECHANISM',
    type: { kind: 'enum', values: ['plain', 'scram-sha-256', 'scram-sha-512'] },
    description:
      'Kafka SASL mechanism; unset means no SASL. Needs a user (KAFKA_SASL_USERNAME or KAFKA_SASL_USERNAME_FILE) and a password (KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE).',
  },
  {
    name: 'KAFKA_SASL_USERNAME',
    type: { kind: 'string', minLength: 1, maxLength: 253 },
    description: "Kafka SASL user (Strimzi: the KafkaUser's name).",
  },
  {
    name: 'KAFKA_SASL_USERNAME_FILE',
    type: file,
    description: 'A file holding the SASL user, instead of KAFKA_SASL_USERNAME (a final newline is ignored).',
  },
  {
    name: 'KAFKA_SASL_PASSWORD',
    type: { kind: 'string' },
    secret: true,
    description: 'Kafka SASL password.',
  },
  {
    name: 'KAFKA_SASL_PASSWORD_FILE',
    type: file,
    description:
      "A file holding the SASL password, instead of KAFKA_SASL_PASSWORD (Strimzi: the KafkaUser Secret's password key, mounted; a final newline is ignored).",
  },
];

const tlsOn = { name: 'TLS_ENABLE', equals: true };
const needsTls = (name: string): SettingRule => ({
  kind: 'needs',
  name,
  condition: tlsOn,
  why: 'the file is used only over TLS: set TLS_ENABLE=true',
  commands: ['run'],
});
const needsSasl = (name: string): SettingRule => ({
  kind: 'needs',
  name,
  condition: { name: 'KAFKA_SASL_MECHANISM' },
  why: 'it is used only with SASL: set KAFKA_SASL_MECHANISM',
  commands: ['run'],
});

/** Checked once, after each value was validated on its own (parse.ts). */
export const SECURITY_RULES: readonly SettingRule[] = [
  { kind: 'together', names: ['DB_TLS_CERT_FILE', 'DB_TLS_KEY_FILE'] },
  { kind: 'together', names: ['KAFKA_TLS_CERT_FILE', 'KAFKA_TLS_KEY_FILE'], commands: ['run'] },
  needsTls('KAFKA_TLS_CA_FILE'),
  needsTls('KAFKA_TLS_CERT_FILE'),
  {
    kind: 'conflicts',
    name: 'KAFKA_TLS_CA_FILE',
    condition: { name: 'TLS_SKIP_VERIFY_PEER', equals: true },
    why: "TLS_SKIP_VERIFY_PEER=true does not verify the brokers' certificates, so no CA would be used",
    commands: ['run'],
  },
  {
    kind: 'oneOf',
    names: ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_USERNAME_FILE'],
    when: 'KAFKA_SASL_MECHANISM',
    commands: ['run'],
  },
  {
    kind: 'oneOf',
    names: ['KAFKA_SASL_PASSWORD', 'KAFKA_SASL_PASSWORD_FILE'],
    when: 'KAFKA_SASL_MECHANISM',
    commands: ['run'],
  },
  needsSasl('KAFKA_SASL_USERNAME_FILE'),
  needsSasl('KAFKA_SASL_PASSWORD_FILE'),
];
