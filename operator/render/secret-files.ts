// Key material, the database password and SASL credentials reach the relay as files of read-only Secret volumes, never as
// environment values: the relay reads them once at start (relay/config/security-definitions.ts), and the
// pod template's secret-hash annotation rolls the pods when one of these Secrets changes.
//
// One volume per purpose, holding only the keys that purpose needs (items), at a fixed file name, so the
// paths in the *_FILE variables do not depend on the user's key names. Files are 0400; the kubelet makes
// them group-owned by the pod's fsGroup (65532, the relay's group, pod.ts) and adds group read, which is
// what lets the relay, not root, read them.
import {
  CA_KEY_DEFAULT,
  clientCertKeys,
  databaseKeys,
  DATABASE_CLIENT_CERT_DEFAULTS,
  KAFKA_CLIENT_CERT_DEFAULTS,
  saslKeys,
  type CaSecretRef,
  type ClientCertKey,
  type OutboxRelay,
  type SecretRef,
} from '../api/types.js';

export const SECRET_MOUNT_ROOT = '/etc/outbox-relay';
const READ_ONLY_BY_OWNER = 0o400;

export interface SecretFile {
  /** The Secret's key. */
  key: string;
  /** The file name inside the volume. */
  path: string;
  /** The relay's variable that names the file. */
  variable: string;
}

export interface SecretFileSet {
  volume: string;
  secret: string;
  files: SecretFile[];
}

function caSet(volume: string, variable: string, ref: CaSecretRef | undefined): SecretFileSet[] {
  if (!ref) return [];
  return [
    { volume, secret: ref.name, files: [{ key: ref.key ?? CA_KEY_DEFAULT, path: 'ca.crt', variable }] },
  ];
}

function clientCertSet(
  volume: string,
  prefix: 'KAFKA' | 'DB',
  ref: SecretRef<ClientCertKey> | undefined,
  defaults: Record<ClientCertKey, string>,
): SecretFileSet[] {
  if (!ref) return [];
  const keys = clientCertKeys(ref, defaults);
  return [
    {
      volume,
      secret: ref.name,
      files: [
        { key: keys.cert, path: 'tls.crt', variable: `${prefix}_TLS_CERT_FILE` },
        { key: keys.key, path: 'tls.key', variable: `${prefix}_TLS_KEY_FILE` },
      ],
    },
  ];
}

/**
 * The database password (the key of spec.database.secretRef that holds it), so that no credential is in
 * the pod's environment: `kubectl describe pod` and a process listing show environment values, a volume's
 * files stay behind their mode. The connection settings that are not secret remain secretKeyRefs.
 */
function databasePasswordSet(relay: OutboxRelay): SecretFileSet {
  const files = [{ key: databaseKeys(relay).password, path: 'password', variable: 'DB_PASS_FILE' }];
  return { volume: 'db-password', secret: relay.spec.database.secretRef.name, files };
}

/** The database password, CA and client certificate: the relay and the maintenance jobs. */
export function databaseSecretFiles(relay: OutboxRelay): SecretFileSet[] {
  const tls = relay.spec.database.tls;
  return [
    databasePasswordSet(relay),
    ...caSet('db-tls-ca', 'DB_TLS_CA_FILE', tls?.caSecretRef),
    ...clientCertSet('db-tls-client', 'DB', tls?.clientCertSecretRef, DATABASE_CLIENT_CERT_DEFAULTS),
  ];
}

/** The brokers' CA, the client certificate and the SASL credentials: the publishing relay only. */
export function kafkaSecretFiles(relay: OutboxRelay): SecretFileSet[] {
  const { tls, sasl } = relay.spec.kafka;
  const sets = [
    ...caSet('kafka-tls-ca', 'KAFKA_TLS_CA_FILE', tls?.caSecretRef),
    ...clientCertSet('kafka-tls-client', 'KAFKA', tls?.clientCertSecretRef, KAFKA_CLIENT_CERT_DEFAULTS),
  ];
  if (sasl?.secretRef) {
    const keys = saslKeys(relay);
    const files = [{ key: keys.password, path: 'password', variable: 'KAFKA_SASL_PASSWORD_FILE' }];
    if (!sasl.username) {
      files.unshift({ key: keys.username, path: 'username', variable: 'KAFKA_SASL_USERNAME_FILE' });
    }
    sets.push({ volume: 'kafka-sasl', secret: sasl.secretRef.name, files });
  }
  return sets;
}

const mountPath = (set: SecretFileSet) => `${SECRET_MOUNT_ROOT}/${set.volume}`;

/** The *_FILE variables, each the path of its file. */
export function secretFileEnv(sets: SecretFileSet[]): Array<{ name: string; value: string }> {
  return sets.flatMap((set) =>
    set.files.map((f) => ({ name: f.variable, value: `${mountPath(set)}/${f.path}` })),
  );
}

export function secretVolumes(sets: SecretFileSet[]): Array<Record<string, unknown>> {
  return sets.map((set) => ({
    name: set.volume,
    secret: {
      secretName: set.secret,
      defaultMode: READ_ONLY_BY_OWNER,
      items: set.files.map((f) => ({ key: f.key, path: f.path })),
    },
  }));
}

export function secretMounts(sets: SecretFileSet[]): Array<Record<string, unknown>> {
  return sets.map((set) => ({ name: set.volume, mountPath: mountPath(set), readOnly: true }));
}
