// The OutboxRelay API as the operator sees it, after the API server has applied the CRD's defaults.
// crds/outboxrelays.yaml is the one source of the schema (its fields that become relay variables are
// written from the relay's settings table, relay/config/fields.ts); these types follow it.

export const GROUP = 'outbox.kafka-relay.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'OutboxRelay';
export const PLURAL = 'outboxrelays';

export interface SecretRef<K extends string> {
  name: string;
  keys?: Partial<Record<K, string>>;
}

export type DatabaseKey = 'host' | 'port' | 'username' | 'password' | 'database';
export type SaslKey = 'username' | 'password';
export type ClientCertKey = 'cert' | 'key';

/** A Secret key holding PEM CA certificates. */
export interface CaSecretRef {
  name: string;
  key?: string;
}

export type DatabaseTlsMode = 'disable' | 'require' | 'verify-ca' | 'verify-full';

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  tolerationSeconds?: number;
}

export interface OutboxRelaySpec {
  database: {
    driver?: 'postgres' | 'mysql';
    secretRef: SecretRef<DatabaseKey>;
    table?: string;
    tls?: {
      enabled?: boolean;
      verify?: boolean;
      mode?: DatabaseTlsMode;
      caSecretRef?: CaSecretRef;
      clientCertSecretRef?: SecretRef<ClientCertKey>;
    };
  };
  kafka: {
    brokers: string[];
    tls?: {
      enabled?: boolean;
      skipVerify?: boolean;
      caSecretRef?: CaSecretRef;
      clientCertSecretRef?: SecretRef<ClientCertKey>;
    };
    sasl?: {
      mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
      /** When set, the Secret's username key is not read. */
      username?: string;
      allowPlaintext?: boolean;
      secretRef?: SecretRef<SaslKey>;
    };
    partitioner?: 'murmur2' | 'fnv1a';
    compression?: 'none' | 'gzip' | 'lz4';
    /** Shared mode: each batch in a Kafka transaction, the previous owner fenced at a takeover. */
    transactions?: boolean;
  };
  relay?: {
    replicas?: number;
    /** shared: every replica publishes its shares; standby: one publishes, the others wait. */
    mode?: 'shared' | 'standby';
    shareLease?: string;
    batchSize?: number;
    maxBatchSize?: number;
    pollInterval?: string;
    maxAttempts?: number;
    claimTimeout?: string;
    notifyOnInsert?: boolean;
    /** How old the oldest pending row may get before Publishing is False (Stalled); default 5m. */
    stalledAfter?: string;
    shutdownTimeout?: string;
    logLevel?: string;
    image?: string;
    imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
    resources?: { limits?: Record<string, string | number>; requests?: Record<string, string | number> };
    nodeSelector?: Record<string, string>;
    tolerations?: Toleration[];
    affinity?: Record<string, unknown>;
    serviceAccountName?: string;
    podAnnotations?: Record<string, string>;
    imagePullSecrets?: Array<{ name: string }>;
  };
  cleanup?: { enabled?: boolean; schedule?: string; retention?: string };
  optimize?: { enabled?: boolean; schedule?: string };
  paused?: boolean;
}

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export type KafkaState = 'Available' | 'Unavailable' | 'Unauthorized';
export type DatabaseState = 'Available' | 'Unavailable';
export type HeldReason = 'TopicMissing' | 'TopicUnauthorized';

export interface HeldTopic {
  topic: string;
  reason: HeldReason;
  since: string;
}

/** One entry of status.databases: written by the relay pod that publishes the database, never by us. */
export interface DatabaseReport {
  name: string;
  pending: number;
  errored: number;
  /** Absent when nothing is pending. */
  oldestPendingTime?: string;
  /** Absent until the reporting pod's first publish. */
  lastPublishedTime?: string;
  heldTopics?: HeldTopic[];
  kafka: { state: KafkaState; message?: string };
  database: { state: DatabaseState; message?: string };
  reportedBy: string;
}

/** The summary the operator derives from status.databases, for the printer columns. */
export interface StatusSummary {
  backlog?: number;
  oldestPendingTime?: string;
  lastPublishedTime?: string;
  brokers?: string;
}

export interface OutboxRelayStatus extends StatusSummary {
  observedGeneration?: number;
  conditions?: Condition[];
  /** The relays' reports (their field managers own it; the operator only reads it). */
  databases?: DatabaseReport[];
}

export interface ObjectMeta {
  name: string;
  namespace: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
  deletionTimestamp?: string;
}

export interface OutboxRelay {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: OutboxRelaySpec;
  status?: OutboxRelayStatus;
}

/** Database Secret keys, with the CRD's defaults for any not given. */
export function databaseKeys(relay: OutboxRelay): Record<DatabaseKey, string> {
  const k = relay.spec.database.secretRef.keys ?? {};
  return {
    host: k.host ?? 'host',
    port: k.port ?? 'port',
    username: k.username ?? 'username',
    password: k.password ?? 'password',
    database: k.database ?? 'database',
  };
}

/** SASL Secret keys, with the CRD's defaults for any not given. */
export function saslKeys(relay: OutboxRelay): Record<SaslKey, string> {
  const k = relay.spec.kafka.sasl?.secretRef?.keys ?? {};
  return { username: k.username ?? 'username', password: k.password ?? 'password' };
}

/** The SASL Secret keys the relay reads: the username key only when the spec does not name the user. */
export function saslSecretKeys(relay: OutboxRelay): string[] {
  const keys = saslKeys(relay);
  return relay.spec.kafka.sasl?.username ? [keys.password] : [keys.username, keys.password];
}

/** Client certificate Secret keys, with the given defaults (Strimzi's user.crt/user.key, or tls.crt/tls.key). */
export function clientCertKeys(
  ref: SecretRef<ClientCertKey>,
  defaults: Record<ClientCertKey, string>,
): Record<ClientCertKey, string> {
  return { cert: ref.keys?.cert ?? defaults.cert, key: ref.keys?.key ?? defaults.key };
}

export const KAFKA_CLIENT_CERT_DEFAULTS = { cert: 'user.crt', key: 'user.key' } as const;
export const DATABASE_CLIENT_CERT_DEFAULTS = { cert: 'tls.crt', key: 'tls.key' } as const;
export const CA_KEY_DEFAULT = 'ca.crt';

/** Every Secret the resource references, with the keys it needs from each (a Secret may appear twice). */
export function referencedSecrets(relay: OutboxRelay): Array<{ name: string; keys: string[] }> {
  const refs = [{ name: relay.spec.database.secretRef.name, keys: Object.values(databaseKeys(relay)) }];
  const { kafka, database } = relay.spec;
  if (kafka.sasl?.secretRef) refs.push({ name: kafka.sasl.secretRef.name, keys: saslSecretKeys(relay) });
  const ca = (ref: CaSecretRef | undefined) => {
    if (ref) refs.push({ name: ref.name, keys: [ref.key ?? CA_KEY_DEFAULT] });
  };
  const cert = (ref: SecretRef<ClientCertKey> | undefined, defaults: Record<ClientCertKey, string>) => {
    if (ref) refs.push({ name: ref.name, keys: Object.values(clientCertKeys(ref, defaults)) });
  };
  ca(kafka.tls?.caSecretRef);
  cert(kafka.tls?.clientCertSecretRef, KAFKA_CLIENT_CERT_DEFAULTS);
  ca(database.tls?.caSecretRef);
  cert(database.tls?.clientCertSecretRef, DATABASE_CLIENT_CERT_DEFAULTS);
  return refs;
}
