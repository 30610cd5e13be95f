// The relay's configuration: parsed once in main from the environment and the Go relay's flags, validated,
// frozen. Secrets are non-enumerable (as node-postgres does with its password) so that logging or
// serializing the object never shows them, and redacted() is the view meant for logs.
import type { Driver, StoreConfig } from '../db/store.js';
import { hideSecret } from '../redact.js';
import type { DatabaseTls, KafkaTls } from '../tls/types.js';
import type { Command } from './cli.js';
import { SETTINGS } from './definitions.js';
import { durationMs, parseSettings, type SettingValues } from './parse.js';
import { readUtf8, readValueFile } from './files.js';
import { databaseTls, kafkaSasl, kafkaTls, type KafkaSasl } from './security.js';
import { reportConfig, type ReportConfig } from '../report/settings.js';

export interface KafkaConfig {
  /** Empty for a job (KAFKA_HOST is required only by `run`). */
  brokers: string[];
  clientId: string;
  /** TLS_ENABLE, TLS_SKIP_VERIFY_PEER and the KAFKA_TLS_* files (read for `run` only). */
  tls: KafkaTls;
  /** Its password is non-enumerable. Set for `run` only. */
  sasl?: KafkaSasl;
  partitioner: 'murmur2' | 'fnv1a';
  compression: 'gzip' | 'none' | 'lz4';
  publishAttempts: number;
  /** Shared mode: each batch in a transaction, the previous owner's transactional id fenced at a takeover. */
  transactions: boolean;
}

export interface RelayConfig {
  db: {
    driver: Driver;
    host: string;
    port: number;
    user: string;
    password: string;
    /** DB_PASS or DB_PASS_FILE: the setting a refused password is reported against. */
    passwordFrom: string;
    names: string[];
    table: string;
    tls: DatabaseTls;
    poolSize: number;
  };
  kafka: KafkaConfig;
  batchSize: number;
  /** The most rows a batch grows to under a backlog (engine/batch-size.ts). */
  maxBatchSize: number;
  pollFrequencyMs: number;
  /** shared: every relay publishes its shares (engine/shared-relay.ts); standby: one leader per table. */
  mode: 'shared' | 'standby';
  shareLeaseMs: number;
  claimTimeoutMs: number;
  /** PostgreSQL: keep the outbox table's NOTIFY trigger and LISTEN for it (NOTIFY_ON_INSERT). */
  notifyOnInsert: boolean;
  pollingDisabled: boolean;
  skipMigrations: boolean;
  runCleanup: boolean;
  runOptimize: boolean;
  cleanupRetentionMs: number;
  sidecarProxyUrl: string | undefined;
  httpPort: number;
  logLevel: string;
  shutdownTimeoutMs: number;
  /** The status report on the OutboxRelay (`run` with OUTBOX_RELAY_NAME set only). */
  report: ReportConfig | undefined;
}

const DEFAULT_PORT: Record<Driver, number> = { postgres: 5432, mysql: 3306 };

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.getOwnPropertyNames(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

/**
 * DB_PASS, or the file DB_PASS_FILE names (the rules refused both); unset: empty, as the Go relay. An empty
 * file is an empty password too: the operator always mounts the Secret's password key, and a certificate
 * user's Secret may hold an empty one.
 */
function databasePassword(v: SettingValues): string {
  const file = v.DB_PASS_FILE as string | undefined;
  if (file !== undefined) return readValueFile('DB_PASS_FILE', file, readUtf8, { allowEmpty: true });
  return (v.DB_PASS as string | undefined) ?? '';
}

/**
 * The configuration of validated settings; reads the files the TLS and SASL settings name (Kafka's only
 * for `run`, the one command that publishes), throwing a ConfigError naming the variable and path.
 */
export function configFromSettings(v: SettingValues, command: Command = 'run'): RelayConfig {
  const driver = v.DB_DRIVER as Driver;
  const publishes = command === 'run';
  const db = hideSecret(
    {
      driver,
      host: v.DB_HOST as string,
      port: (v.DB_PORT as number | undefined) ?? DEFAULT_PORT[driver],
      user: v.DB_USER as string,
      passwordFrom: v.DB_PASS_FILE !== undefined ? 'DB_PASS_FILE' : 'DB_PASS',
      names: v.DB_NAME as string[],
      table: v.OUTBOX_TABLE as string,
      tls: databaseTls(v, driver),
      // The publishing loop holds up to three at once (the read-ahead and two batches being marked, see
      // MARKING_DEPTH in engine/loop.ts); the rest serve /healthz and metrics scrapes.
      poolSize: (v.WRITE_CONCURRENCY as number) + 3,
    },
    'password',
    databasePassword(v),
  ) as RelayConfig['db'];
  const kafka: KafkaConfig = {
    brokers: (v.KAFKA_HOST as string[] | undefined) ?? [],
    clientId: v.KAFKA_CLIENT_ID as string,
    tls: publishes
      ? kafkaTls(v)
      : { enabled: v.TLS_ENABLE as boolean, skipVerify: v.TLS_SKIP_VERIFY_PEER as boolean },
    partitioner: v.KAFKA_PARTITIONER as KafkaConfig['partitioner'],
    compression: v.KAFKA_COMPRESSION as KafkaConfig['compression'],
    publishAttempts: v.KAFKA_PUBLISH_ATTEMPTS as number,
    transactions: v.KAFKA_TRANSACTIONS as boolean,
  };
  const sasl = publishes ? kafkaSasl(v) : undefined;
  if (sasl) kafka.sasl = sasl;
  return deepFreeze({
    db,
    kafka,
    batchSize: v.BATCH_SIZE as number,
    maxBatchSize: v.MAX_BATCH_SIZE as number,
    pollFrequencyMs: v.POLL_FREQUENCY_MS as number,
    mode: v.RELAY_MODE as RelayConfig['mode'],
    shareLeaseMs: v.SHARE_LEASE_MS as number,
    claimTimeoutMs: v.CLAIM_TIMEOUT_MS as number,
    notifyOnInsert: v.NOTIFY_ON_INSERT as boolean,
    pollingDisabled: v.POLLING_DISABLED as boolean,
    skipMigrations: v.SKIP_MIGRATIONS as boolean,
    runCleanup: v.RUN_CLEANUP as boolean,
    runOptimize: v.RUN_OPTIMIZE as boolean,
    cleanupRetentionMs: durationMs(v.CLEANUP_RETENTION as string),
    sidecarProxyUrl: v.SIDECAR_PROXY_URL as string | undefined,
    httpPort: v.HTTP_PORT as number,
    logLevel: v.LOG_LEVEL as string,
    shutdownTimeoutMs: v.SHUTDOWN_TIMEOUT_MS as number,
    report: reportConfig(v, command),
  });
}

/**
 * Parses and validates the environment once for `command` (which decides what is required: only `run`
 * needs Kafka); throws ConfigError naming the bad variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv, command: Command = 'run'): RelayConfig {
  return configFromSettings(parseSettings(env, command), command);
}

/** RUN_CLEANUP and RUN_OPTIMIZE, which choose the command when none is named; validated like the rest. */
export function jobSwitches(env: NodeJS.ProcessEnv): { runCleanup: boolean; runOptimize: boolean } {
  const v = parseSettings(env);
  return { runCleanup: v.RUN_CLEANUP as boolean, runOptimize: v.RUN_OPTIMIZE as boolean };
}

/** The StoreConfig of one database of the list (its password non-enumerable, like the config's). */
export function storeConfig(config: RelayConfig, database: string): StoreConfig {
  const { db } = config;
  const store: Omit<StoreConfig, 'password'> = {
    driver: db.driver,
    host: db.host,
    port: db.port,
    user: db.user,
    passwordFrom: db.passwordFrom,
    database,
    table: db.table,
    // Shared, not copied: the TLS secure context is built once per TLS configuration.
    tls: db.tls,
    poolSize: db.poolSize,
    notifyOnInsert: config.notifyOnInsert,
  };
  return hideSecret(store, 'password', db.password) as StoreConfig;
}

/** Every setting by its variable name, secrets replaced: what the relay logs at start. */
export function redactedSettings(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const values = parseSettings(env);
  return Object.fromEntries(
    SETTINGS.filter((d) => values[d.name] !== undefined).map((d) => [
      d.name,
      d.secret ? '[redacted]' : values[d.name],
    ]),
  );
}
