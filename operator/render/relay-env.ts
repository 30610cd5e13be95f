// The relay's environment, built from the resource. The database connection settings are secretKeyRefs to
// the user's Secret; the database password, key material and SASL credentials are files of mounted Secrets
// (secret-files.ts), named by *_FILE variables (DB_PASS_FILE, not DB_PASS). Their values never pass
// through the operator.
import { databaseKeys, type OutboxRelay } from '../api/types.js';
import { durationMs } from './durations.js';
import { HTTP_PORT } from './pod.js';
import { databaseSecretFiles, kafkaSecretFiles, secretFileEnv } from './secret-files.js';

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef: { name: string; key: string } } | { fieldRef: { fieldPath: string } };
}

const plain = (name: string, value: string | number | boolean): EnvVar => ({ name, value: String(value) });
const fromSecret = (name: string, secret: string, key: string): EnvVar => ({
  name,
  valueFrom: { secretKeyRef: { name: secret, key } },
});

/** What every mode needs: the database and the outbox table. */
export function databaseEnv(relay: OutboxRelay): EnvVar[] {
  const db = relay.spec.database;
  const keys = databaseKeys(relay);
  const secret = db.secretRef.name;
  const env = [
    plain('DB_DRIVER', db.driver ?? 'postgres'),
    fromSecret('DB_HOST', secret, keys.host),
    fromSecret('DB_PORT', secret, keys.port),
    fromSecret('DB_USER', secret, keys.username),
    fromSecret('DB_NAME', secret, keys.database),
    plain('OUTBOX_TABLE', db.table ?? 'kafka_outbox'),
    plain('DB_TLS_ENABLE', db.tls?.enabled ?? false),
    plain('DB_TLS_VERIFY', db.tls?.verify ?? true),
  ];
  // DB_TLS_MODE replaces DB_TLS_ENABLE and DB_TLS_VERIFY in the relay; they stay for a relay image without it.
  if (db.tls?.mode) env.push(plain('DB_TLS_MODE', db.tls.mode));
  env.push(...secretFileEnv(databaseSecretFiles(relay)));
  env.push(plain('LOG_LEVEL', relay.spec.relay?.logLevel ?? 'info'));
  return env;
}

/** The publishing relay (`run`): database, Kafka and tuning. */
export function runEnv(relay: OutboxRelay): EnvVar[] {
  const k = relay.spec.kafka;
  const r = relay.spec.relay ?? {};
  const env = [
    ...databaseEnv(relay),
    plain('KAFKA_HOST', k.brokers.join(',')),
    plain('TLS_ENABLE', k.tls?.enabled ?? false),
    plain('TLS_SKIP_VERIFY_PEER', k.tls?.skipVerify ?? false),
    plain('KAFKA_PARTITIONER', k.partitioner ?? 'murmur2'),
    plain('KAFKA_TRANSACTIONS', k.transactions ?? true),
  ];
  if (k.compression) env.push(plain('KAFKA_COMPRESSION', k.compression));
  if (k.sasl?.secretRef) {
    env.push(plain('KAFKA_SASL_MECHANISM', k.sasl.mechanism));
    if (k.sasl.username) env.push(plain('KAFKA_SASL_USERNAME', k.sasl.username));
  }
  // The brokers' CA, the client certificate, the SASL user (unless given above) and password: files.
  env.push(...secretFileEnv(kafkaSecretFiles(relay)));
  env.push(
    plain('BATCH_SIZE', r.batchSize ?? 250),
    plain('MAX_BATCH_SIZE', r.maxBatchSize ?? 1000),
    plain('POLL_FREQUENCY_MS', durationMs(r.pollInterval ?? '500ms')),
    plain('KAFKA_PUBLISH_ATTEMPTS', r.maxAttempts ?? 3),
    plain('RELAY_MODE', r.mode ?? 'shared'),
    plain('SHARE_LEASE_MS', durationMs(r.shareLease ?? '10s')),
  );
  if (r.claimTimeout) env.push(plain('CLAIM_TIMEOUT_MS', durationMs(r.claimTimeout)));
  if (r.notifyOnInsert !== undefined) env.push(plain('NOTIFY_ON_INSERT', r.notifyOnInsert));
  env.push(
    plain('SHUTDOWN_TIMEOUT_MS', shutdownTimeoutMs(relay)),
    plain('HTTP_PORT', HTTP_PORT),
    plain('SKIP_MIGRATIONS', false),
  );
  env.push(...reportEnv(relay));
  return env;
}

/**
 * Where the relay reports its status (relay/report): its OutboxRelay, and its pod's name (downward API)
 * for its field manager and reportedBy.
 */
export function reportEnv(relay: OutboxRelay): EnvVar[] {
  return [
    plain('OUTBOX_RELAY_NAME', relay.metadata.name),
    plain('OUTBOX_RELAY_NAMESPACE', relay.metadata.namespace),
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
  ];
}

/** A maintenance job (`cleanup`, `optimize`): database only; the Deployment owns migrations. */
export function maintenanceEnv(relay: OutboxRelay, mode: 'cleanup' | 'optimize'): EnvVar[] {
  const env = [...databaseEnv(relay), plain('SKIP_MIGRATIONS', true)];
  if (mode === 'cleanup') env.push(plain('CLEANUP_RETENTION', relay.spec.cleanup?.retention ?? '1h'));
  return env;
}

export function shutdownTimeoutMs(relay: OutboxRelay): number {
  return durationMs(relay.spec.relay?.shutdownTimeout ?? '8s');
}
