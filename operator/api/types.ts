// The OutboxRelay API as the operator sees it, after the API server has applied the CRD's defaults.
// crds/outboxrelays.yaml is the one source of the schema; these types follow it.

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
    tls?: { enabled?: boolean; verify?: boolean };
  };
  kafka: {
    brokers: string[];
    tls?: { enabled?: boolean; skipVerify?: boolean };
    sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; secretRef?: SecretRef<SaslKey> };
    partitioner?: 'murmur2' | 'fnv1a';
    compression?: 'none' | 'gzip';
  };
  relay?: {
    replicas?: number;
    batchSize?: number;
    pollInterval?: string;
    maxAttempts?: number;
    claimTimeout?: string;
    notifyOnInsert?: boolean;
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

export interface OutboxRelayStatus {
  observedGeneration?: number;
  conditions?: Condition[];
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

/** Every Secret the resource references, with the keys it needs from each. */
export function referencedSecrets(relay: OutboxRelay): Array<{ name: string; keys: string[] }> {
  const refs = [{ name: relay.spec.database.secretRef.name, keys: Object.values(databaseKeys(relay)) }];
  const sasl = relay.spec.kafka.sasl?.secretRef;
  if (sasl) refs.push({ name: sasl.name, keys: Object.values(saslKeys(relay)) });
  return refs;
}
