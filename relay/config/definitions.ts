// The one table of the relay's settings: every environment variable the relay reads, its type, default,
// description and whether it is a secret. The ajv schema, the parser and the redacted view are built from
// it, and a reference document can be generated from it. The first block keeps the Go relay's names and
// meanings unchanged so its users can switch images without renaming a variable.
import type { SettingDefinition, SettingRule, SettingType } from './setting-types.js';
import { DATABASE_TLS_SETTINGS, KAFKA_SECURITY_SETTINGS, SECURITY_RULES } from './security-definitions.js';
import { REPORT_RULES, REPORT_SETTINGS } from '../report/settings.js';
import { MAX_TABLE_NAME_LENGTH, TABLE_NAME_PATTERN } from '../db/identifiers.js';
import { withFields } from './fields.js';

export type { SettingDefinition, SettingRule, SettingType } from './setting-types.js';

const int = (minimum: number, maximum: number): SettingType => ({ kind: 'integer', minimum, maximum });
const ms = (minimum: number, maximum: number): SettingType => ({
  kind: 'integer',
  minimum,
  maximum,
  unit: 'ms',
});
const bool: SettingType = { kind: 'boolean' };

/** host:port, the host a name or an IPv6 literal in brackets, the port 1 to 65535. */
export const BROKER_PATTERN =
  '^([A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?|\\[[0-9A-Fa-f]{0,4}(:[0-9A-Fa-f]{0,4}){2,7}\\]):' +
  '([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$';

export const SETTINGS: readonly SettingDefinition[] = withFields([
  // The Go relay's variables.
  { name: 'DB_HOST', type: { kind: 'string', minLength: 1 }, required: true, description: 'Database host.' },
  {
    name: 'DB_PORT',
    type: int(1, 65535),
    description: 'Database port (default: 5432 for postgres, 3306 for mysql).',
  },
  { name: 'DB_USER', type: { kind: 'string', minLength: 1 }, required: true, description: 'Database user.' },
  // No default, so that DB_PASS set beside DB_PASS_FILE is seen (config.ts reads an unset one as empty).
  {
    name: 'DB_PASS',
    type: { kind: 'string' },
    secret: true,
    description:
      'Database password; unset: empty (a user that needs none, e.g. one that presents a certificate).',
  },
  {
    name: 'DB_PASS_FILE',
    type: { kind: 'file' },
    description:
      "A file holding the database password, instead of DB_PASS (a mounted Secret's key; a final newline is ignored). Read once at start.",
  },
  {
    name: 'DB_NAME',
    // At most as many as the OutboxRelay's status.databases holds: one report entry per database.
    type: { kind: 'list', maxItems: 256 },
    required: true,
    description:
      'Database name; a comma-separated list makes one relay serve each database on the same server.',
  },
  {
    name: 'DB_DRIVER',
    type: { kind: 'enum', values: ['postgres', 'mysql'] },
    required: true,
    description: 'postgres (PostgreSQL) or mysql (MySQL, MariaDB).',
  },
  {
    name: 'KAFKA_HOST',
    type: {
      kind: 'list',
      item: {
        pattern: BROKER_PATTERN,
        maxLength: 260,
        means: 'host:port (a host name or an IPv6 address in brackets, [::1]:9092; a port from 1 to 65535)',
      },
      maxItems: 32,
    },
    requiredFor: ['run'],
    description:
      'Comma-separated Kafka brokers (host:port). Required to publish (`run`); the jobs (cleanup, optimize, migrate, status, requeue) need no Kafka settings.',
  },
  { name: 'TLS_ENABLE', type: bool, default: 'false', description: 'Connect to Kafka over TLS.' },
  {
    name: 'TLS_SKIP_VERIFY_PEER',
    type: bool,
    default: 'false',
    description: "Do not verify the Kafka brokers' certificates.",
  },
  {
    name: 'WRITE_CONCURRENCY',
    type: int(1, 64),
    default: '1',
    description:
      'Database connections for publishing work. Batches are published one at a time, each as one batched send, so that per-key order holds.',
  },
  {
    name: 'POLL_FREQUENCY_MS',
    type: ms(10, 3_600_000),
    default: '500',
    description: 'Fallback poll interval when the outbox is idle.',
  },
  {
    name: 'BATCH_SIZE',
    // A batch is one claim, held in memory and sent as one request per topic: 10000 keeps a batch of
    // large rows within memory and the brokers' request limits. Under a backlog the reads grow on their
    // own to MAX_BATCH_SIZE within 8 MiB (engine/batch-size.ts), so a larger BATCH_SIZE buys little.
    type: int(1, 10_000),
    default: '250',
    description: 'Rows claimed and published per batch while there is no backlog.',
  },
  {
    name: 'MAX_BATCH_SIZE',
    // 1000: at 2,000 the relay's RSS during a drain went over 150 MB for no gain in rate (bench/RESULTS.md).
    type: int(1, 10_000),
    default: '1000',
    description:
      'The most rows a batch grows to under a backlog: each batch that comes back full doubles the next one, from BATCH_SIZE up to this (and within 8 MiB of rows), and one that comes back short starts again at BATCH_SIZE. At or below BATCH_SIZE, batches keep BATCH_SIZE.',
  },
  {
    name: 'KAFKA_PUBLISH_ATTEMPTS',
    type: int(1, 100),
    default: '3',
    description:
      'How many permanent failures a row may have before it is marked errored, a failure being the row itself at fault (too large for the broker, headers that are not a JSON object, an empty topic, a NULL in a public column). Transient errors (a broker down, a timeout) and a missing or forbidden topic (its rows are held) never count.',
  },
  {
    name: 'NOTIFY_ON_INSERT',
    type: bool,
    default: 'true',
    description:
      'PostgreSQL: a trigger on the outbox table notifies the relay when rows are committed, so they go out within milliseconds rather than at the next poll. PostgreSQL lets one notifying transaction commit at a time, which caps how fast the application commits outbox rows; false drops the trigger and the relay polls every POLL_FREQUENCY_MS. Applied by the migrations (at start unless SKIP_MIGRATIONS, or by `migrate`). Ignored on MySQL.',
  },
  {
    name: 'RELAY_MODE',
    type: { kind: 'enum', values: ['shared', 'standby'] },
    default: 'shared',
    description:
      'shared: every relay of a table publishes, each the shares of the key space it holds a lease on (64 shares, split evenly among the live relays; per-key order holds through every rebalance). standby: one relay per table publishes and the others wait to take over.',
  },
  {
    name: 'SHARE_LEASE_MS',
    // At least 2 s: a lease is renewed every fifth of it, and a send must end within half of it.
    type: ms(2_000, 300_000),
    default: '10000',
    description:
      "Shared mode: how long a relay's lease on its shares lasts without a renewal (renewed every fifth of it). A dead relay's shares are taken over at most 1.7 leases after its last renewal; a send that would not end within half a lease waits for the next renewal.",
  },
  { name: 'POLLING_DISABLED', type: bool, default: 'false', description: 'Serve HTTP but do not publish.' },
  {
    name: 'SKIP_MIGRATIONS',
    type: bool,
    default: 'false',
    description: 'Do not create or upgrade the outbox table at start.',
  },
  {
    name: 'RUN_CLEANUP',
    type: bool,
    default: 'false',
    description: 'Run the cleanup job and exit (same as the cleanup command or --cleanup).',
  },
  {
    name: 'RUN_OPTIMIZE',
    type: bool,
    default: 'false',
    description: 'Run the optimize job and exit (same as the optimize command or --optimize).',
  },
  {
    name: 'SIDECAR_PROXY_URL',
    type: { kind: 'url' },
    description: 'After a cleanup or optimize job, POST <url>/quitquitquit (Istio sidecar).',
  },
  // New settings.
  {
    name: 'OUTBOX_TABLE',
    type: {
      kind: 'string',
      minLength: 1,
      maxLength: MAX_TABLE_NAME_LENGTH,
      match: {
        pattern: TABLE_NAME_PATTERN,
        means: `a table name: letters, digits and _, not starting with a digit, at most ${MAX_TABLE_NAME_LENGTH} characters`,
      },
    },
    default: 'kafka_outbox',
    description:
      "The outbox table, unqualified (in the connection's schema or database); its length is bounded so that the names the relay derives from it (indexes, trigger, locks) fit the databases' 63-byte limit.",
  },
  ...DATABASE_TLS_SETTINGS,
  {
    name: 'CLAIM_TIMEOUT_MS',
    type: ms(1000, 86_400_000),
    default: '600000',
    description:
      'A row another publisher stamped as claimed (batch_id, push_started_at: the Go relay, an older relay) is skipped for this long.',
  },
  {
    name: 'KAFKA_PARTITIONER',
    type: { kind: 'enum', values: ['murmur2', 'fnv1a'] },
    default: 'murmur2',
    description:
      'murmur2 (Java clients, kafkajs) or fnv1a (the Go relay: same partitions as before a switch).',
  },
  {
    name: 'KAFKA_COMPRESSION',
    type: { kind: 'enum', values: ['gzip', 'none', 'lz4'] },
    default: 'gzip',
    description:
      'Produce compression. lz4 costs the relay less CPU than gzip (more messages a second), for consumers whose client reads lz4 (Java, librdkafka, Go clients; kafkajs only with an lz4 codec).',
  },
  {
    name: 'KAFKA_TRANSACTIONS',
    type: bool,
    default: 'true',
    description:
      "Shared mode: every batch is sent in a Kafka transaction under this relay's own transactional id (outbox-relay-<table identity>-<relay>), and a relay taking shares over from another fences that one's id first, so a relay paused past its lease can add nothing to the topics after the takeover: no duplicate even then. Consumers that must not see a batch twice read with isolation.level=read_committed (kafkajs does by default; Java clients read_uncommitted). Needs Write on the transactional ids outbox-relay-*. false: no transactions (brokers without them); a relay paused between its lease check and its send may then send a batch that the new owner sends too. Ignored in standby mode.",
  },
  ...KAFKA_SECURITY_SETTINGS,
  {
    name: 'KAFKA_CLIENT_ID',
    type: { kind: 'string', minLength: 1 },
    default: 'outbox-relay',
    description: 'Kafka client id.',
  },
  {
    name: 'CLEANUP_RETENTION',
    type: { kind: 'duration', units: ['s', 'm', 'h', 'd'], minimum: '1m', maximum: '3650d' },
    default: '1h',
    description: 'Published rows older than this are deleted by cleanup.',
  },
  {
    name: 'HTTP_PORT',
    type: int(0, 65535),
    default: '80',
    description: 'Port of /healthz, /readyz and /metrics (0: any free port).',
  },
  {
    name: 'LOG_LEVEL',
    type: { kind: 'enum', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
    default: 'info',
    description: 'Log level.',
  },
  {
    name: 'SHUTDOWN_TIMEOUT_MS',
    type: ms(100, 600_000),
    default: '8000',
    description: 'On SIGTERM, how long the in-flight batch may take before the process exits anyway.',
  },
  ...REPORT_SETTINGS,
]);

/** The rules that tie settings together, checked after each value is validated (parse.ts). */
export const SETTING_RULES: readonly SettingRule[] = [
  {
    kind: 'conflicts',
    name: 'DB_PASS_FILE',
    condition: { name: 'DB_PASS' },
    why: 'set one of them (DB_PASS_FILE names a file holding the password)',
  },
  ...SECURITY_RULES,
  ...REPORT_RULES,
];
