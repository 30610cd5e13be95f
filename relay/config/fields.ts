// The OutboxRelay fields the operator turns into the relay's variables (operator/render/relay-env.ts),
// each beside the variable it becomes. The field's schema in crds/outboxrelays.yaml is written from the
// variable's type (field-schema.ts, `npx tsx scripts/generate-crd.ts`), so both take the same values; the
// words here are what `kubectl explain` shows (absent: the variable's own), the bounds added from the type.
import type { SettingDefinition, SettingField } from './setting-types.js';

const int32 = { format: 'int32' };

export const FIELDS: Readonly<Record<string, SettingField>> = {
  DB_DRIVER: { path: 'spec.database.driver', description: 'The database dialect.', default: 'postgres' },
  OUTBOX_TABLE: {
    path: 'spec.database.table',
    description:
      "The outbox table, unqualified (in the connection's schema or database); its length is bounded so that the names the relay derives from it (indexes, trigger, locks) fit the databases' 63-byte limit.",
    default: 'kafka_outbox',
  },
  DB_TLS_ENABLE: {
    path: 'spec.database.tls.enabled',
    description: 'Connect to the database over TLS. spec.database.tls.mode, when set, replaces it.',
    default: false,
  },
  DB_TLS_VERIFY: {
    path: 'spec.database.tls.verify',
    description:
      "Verify the database's certificate (with enabled: verify-full on postgres, verify-ca on mysql; false is require). spec.database.tls.mode, when set, replaces it.",
    default: true,
  },
  DB_TLS_MODE: {
    path: 'spec.database.tls.mode',
    description:
      "TLS to the database, as PostgreSQL's sslmode: disable; require (encrypted, the certificate not checked); verify-ca (signed by the CA of caSecretRef, or of the system); verify-full (verify-ca, and the certificate names the host). When set, it replaces enabled and verify.",
  },
  KAFKA_HOST: {
    path: 'spec.kafka.brokers',
    description: 'The bootstrap brokers.',
    itemDescription: 'A bootstrap broker.',
    extra: { 'x-kubernetes-list-type': 'set' },
  },
  TLS_ENABLE: {
    path: 'spec.kafka.tls.enabled',
    description: 'Connect to the brokers over TLS.',
    default: false,
  },
  TLS_SKIP_VERIFY_PEER: {
    path: 'spec.kafka.tls.skipVerify',
    description: "Skip the verification of the brokers' certificates (testing only).",
    default: false,
  },
  KAFKA_SASL_MECHANISM: { path: 'spec.kafka.sasl.mechanism', description: 'The SASL mechanism.' },
  KAFKA_SASL_USERNAME: {
    path: 'spec.kafka.sasl.username',
    description:
      "The SASL user (Strimzi: the KafkaUser's name). When set, the Secret's username key is not read: a Strimzi SCRAM KafkaUser's Secret holds only the password.",
  },
  KAFKA_PARTITIONER: {
    path: 'spec.kafka.partitioner',
    description:
      'How a message key picks its partition: murmur2 as the Java clients do, or fnv1a as the Go relay did (keep fnv1a when replacing it on existing topics).',
    default: 'murmur2',
  },
  KAFKA_COMPRESSION: {
    path: 'spec.kafka.compression',
    description:
      "The compression of produced batches; absent means the relay's default (gzip). lz4 costs the relay less CPU per batch (bench/RESULTS.md); its consumers must support it (Kafka's Java client and librdkafka do; kafkajs needs an lz4 codec).",
  },
  KAFKA_TRANSACTIONS: {
    path: 'spec.kafka.transactions',
    description:
      "shared mode: every batch is sent in a Kafka transaction under the replica's own transactional id, and a replica taking shares over fences the previous owner's id first, so a replica paused past its lease adds nothing after the takeover (no duplicate even then; consumers read with isolation.level=read_committed). Needs Write on the transactional ids outbox-relay-*. false: for brokers without transactions; a paused replica may then send a batch twice. Absent means true.",
    default: true,
  },
  BATCH_SIZE: {
    path: 'spec.relay.batchSize',
    description: 'How many rows one poll claims and publishes as one batch while there is no backlog.',
    default: 250,
    extra: int32,
  },
  MAX_BATCH_SIZE: {
    path: 'spec.relay.maxBatchSize',
    description:
      'The most rows a batch grows to under a backlog: each full batch doubles the next, from batchSize up to this; a short one starts again at batchSize. At or below batchSize, batches keep batchSize.',
    default: 1000,
    extra: int32,
  },
  POLL_FREQUENCY_MS: {
    path: 'spec.relay.pollInterval',
    description: 'How long the relay waits between polls when the outbox is empty.',
    default: '500ms',
    durationUnits: ['ms', 's', 'm', 'h'],
  },
  KAFKA_PUBLISH_ATTEMPTS: {
    path: 'spec.relay.maxAttempts',
    default: 3,
    extra: int32,
  },
  CLAIM_TIMEOUT_MS: {
    path: 'spec.relay.claimTimeout',
    description:
      "How long a claim stamped on rows by another publisher (the Go relay, an older relay) keeps this relay from taking them; absent means the relay's default (10m).",
    durationUnits: ['ms', 's', 'm', 'h'],
  },
  NOTIFY_ON_INSERT: {
    path: 'spec.relay.notifyOnInsert',
    description:
      'PostgreSQL: whether a trigger on the outbox table notifies the relay when rows are committed, so they go out within milliseconds rather than at the next poll (absent means true). PostgreSQL lets one notifying transaction commit at a time, which caps how fast the application commits outbox rows; false drops the trigger and the relay polls every pollInterval. Ignored on MySQL.',
  },
  SHUTDOWN_TIMEOUT_MS: {
    path: 'spec.relay.shutdownTimeout',
    description:
      "How long the relay drains in-flight work when stopped; the pod's termination grace period is derived from it.",
    default: '8s',
    durationUnits: ['ms', 's', 'm'],
  },
  RELAY_MODE: {
    path: 'spec.relay.mode',
    description:
      'shared: all replicas publish, each the shares of the key space it holds a lease on (per-key order holds through every rebalance; see docs/scale-out.md). standby: one replica publishes and the others wait to take over.',
    default: 'shared',
  },
  SHARE_LEASE_MS: {
    path: 'spec.relay.shareLease',
    description:
      "shared mode: how long a replica's lease on its shares lasts without a renewal; a dead replica's shares are served again within 1.7 of it.",
    default: '10s',
    durationUnits: ['ms', 's', 'm'],
  },
  LOG_LEVEL: { path: 'spec.relay.logLevel', description: "The relay's log level.", default: 'info' },
  CLEANUP_RETENTION: {
    path: 'spec.cleanup.retention',
    description: 'How long published rows are kept.',
    default: '1h',
  },
};

/** The definitions with their fields attached; a field for a variable not in the table is a mistake. */
export function withFields(definitions: SettingDefinition[]): SettingDefinition[] {
  const names = new Set(definitions.map((d) => d.name));
  const unknown = Object.keys(FIELDS).filter((name) => !names.has(name));
  if (unknown.length > 0) throw new Error(`fields for variables not in the table: ${unknown.join(', ')}`);
  return definitions.map((d) => (FIELDS[d.name] ? { ...d, field: FIELDS[d.name] } : d));
}
