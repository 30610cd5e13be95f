import { ConfigError } from '../errors.js';
import { parseArgs } from './cli.js';
import { jobSwitches, loadConfig, redactedSettings, storeConfig } from './config.js';
import { SETTINGS } from './definitions.js';

const base = {
  DB_HOST: 'db',
  DB_USER: 'app',
  DB_PASS: 's3cret-db',
  DB_NAME: 'shop',
  DB_DRIVER: 'postgres',
  KAFKA_HOST: 'k1:9092, k2:9092',
};

function errorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it("applies the Go relay's defaults", () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({
      db: {
        driver: 'postgres',
        port: 5432,
        names: ['shop'],
        table: 'kafka_outbox',
        tls: { mode: 'disable' },
      },
      kafka: {
        brokers: ['k1:9092', 'k2:9092'],
        partitioner: 'murmur2',
        compression: 'gzip',
        publishAttempts: 3,
        clientId: 'outbox-relay',
      },
      batchSize: 250,
      pollFrequencyMs: 500,
      claimTimeoutMs: 600_000,
      cleanupRetentionMs: 3_600_000,
      httpPort: 80,
      shutdownTimeoutMs: 8000,
      pollingDisabled: false,
      notifyOnInsert: true,
    });
    expect(config.db.password).toBe('s3cret-db');
    expect(storeConfig(config, 'shop').notifyOnInsert).toBe(true);
  });

  it('reads every variable of the table with its meaning', () => {
    const config = loadConfig({
      ...base,
      DB_DRIVER: 'mysql',
      DB_NAME: 'a, b,c',
      TLS_ENABLE: 'TRUE',
      TLS_SKIP_VERIFY_PEER: '1',
      BATCH_SIZE: '1000',
      POLLING_DISABLED: 'true',
      CLEANUP_RETENTION: '7d',
      KAFKA_PARTITIONER: 'fnv1a',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'relay',
      KAFKA_SASL_PASSWORD: 'kafka-s3cret',
      SIDECAR_PROXY_URL: 'http://127.0.0.1:15020',
      NOTIFY_ON_INSERT: 'false',
    });
    expect(config.db.port).toBe(3306);
    expect(config.db.names).toEqual(['a', 'b', 'c']);
    expect(config.kafka.tls).toEqual({ enabled: true, skipVerify: true });
    expect(config.kafka.sasl).toMatchObject({ mechanism: 'scram-sha-512', username: 'relay' });
    expect(config.kafka.sasl?.password).toBe('kafka-s3cret');
    expect(config.cleanupRetentionMs).toBe(7 * 86_400_000);
    expect(config.sidecarProxyUrl).toBe('http://127.0.0.1:15020');
    expect(config.notifyOnInsert).toBe(false);
    expect(storeConfig(config, 'a').notifyOnInsert).toBe(false);
  });

  it.each([
    ['BATCH_SIZE', 'lots', /BATCH_SIZE: invalid value \(got "lots"\); accepts an integer from 1 to 10000$/],
    ['DB_DRIVER', 'oracle', /DB_DRIVER: invalid value \(got "oracle"\); accepts one of postgres, mysql/],
    ['POLLING_DISABLED', 'maybe', /POLLING_DISABLED: .*accepts true or false/],
    ['NOTIFY_ON_INSERT', 'sometimes', /NOTIFY_ON_INSERT: .*accepts true or false/],
    ['CLEANUP_RETENTION', '1 week', /CLEANUP_RETENTION: .*accepts a duration from 1m to 3650d/],
    ['KAFKA_HOST', ' , ', /KAFKA_HOST: .*comma-separated list/],
    ['HTTP_PORT', '70000', /HTTP_PORT: .*from 0 to 65535/],
  ])('rejects %s=%j naming the variable and what it accepts', (name, value, message) => {
    expect(errorOf({ ...base, [name]: value }).message).toMatch(message);
  });

  it('names a missing required variable', () => {
    const { DB_HOST: _omitted, ...env } = base;
    expect(errorOf(env).message).toBe('DB_HOST: is required; accepts a non-empty string');
  });

  it('requires KAFKA_HOST to publish, naming the command', () => {
    const { KAFKA_HOST: _omitted, ...env } = base;
    expect(errorOf(env).message).toBe(
      'KAFKA_HOST: is required by the run command; accepts a comma-separated list of host:port (a host name or an IPv6 address in brackets, [::1]:9092; a port from 1 to 65535), no entry empty or repeated, at most 32 entries',
    );
  });

  it.each(['cleanup', 'optimize', 'migrate', 'status', 'requeue'] as const)(
    'loads for %s without any Kafka setting, as the Go relay did',
    (command) => {
      const { KAFKA_HOST: _omitted, ...env } = base;
      const config = loadConfig(env, command);
      expect(config.kafka.brokers).toEqual([]);
      expect(config.db.names).toEqual(['shop']);
    },
  );

  it('reads RUN_CLEANUP and RUN_OPTIMIZE before the command is known, and names a bad one', () => {
    const { KAFKA_HOST: _omitted, ...env } = base;
    expect(jobSwitches({ ...env, RUN_CLEANUP: 'true' })).toEqual({ runCleanup: true, runOptimize: false });
    expect(() => jobSwitches({ ...env, RUN_OPTIMIZE: 'maybe' })).toThrow(/^RUN_OPTIMIZE: invalid value/);
  });

  it('asks for SASL credentials when a mechanism is set', () => {
    expect(errorOf({ ...base, KAFKA_SASL_MECHANISM: 'plain' }).message).toMatch(
      /^KAFKA_SASL_USERNAME: is required when KAFKA_SASL_MECHANISM/,
    );
  });

  it('never shows secrets: not when serialized, not in the redacted view', () => {
    const env = {
      ...base,
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 'kafka-s3cret',
    };
    const text = JSON.stringify(loadConfig(env)) + JSON.stringify(redactedSettings(env));
    expect(text).not.toContain('s3cret');
    expect(redactedSettings(env)).toMatchObject({
      DB_PASS: '[redacted]',
      KAFKA_SASL_PASSWORD: '[redacted]',
      DB_HOST: 'db',
    });
  });

  it('is frozen', () => {
    const config = loadConfig(base);
    expect(
      Object.isFrozen(config) && Object.isFrozen(config.db) && Object.isFrozen(config.kafka.brokers),
    ).toBe(true);
  });

  it('describes every setting and marks exactly the two passwords secret', () => {
    expect(SETTINGS.every((d) => d.description.length > 0)).toBe(true);
    expect(SETTINGS.filter((d) => d.secret).map((d) => d.name)).toEqual(['DB_PASS', 'KAFKA_SASL_PASSWORD']);
  });
});

describe('parseArgs', () => {
  const noJobs = { runCleanup: false, runOptimize: false };
  it.each([
    [[], 'run'],
    [['run'], 'run'],
    [['--cleanup'], 'cleanup'],
    [['-cleanup'], 'cleanup'],
    [['--optimize=true'], 'optimize'],
    [['migrate'], 'migrate'],
    [['status'], 'status'],
  ])('reads %j as %s', (argv, command) => {
    expect(parseArgs(argv, noJobs).command).toBe(command);
  });

  it('runs the job RUN_CLEANUP or RUN_OPTIMIZE asks for when no command is named', () => {
    expect(parseArgs([], { runCleanup: true, runOptimize: false }).command).toBe('cleanup');
    expect(parseArgs([], { runCleanup: false, runOptimize: true }).command).toBe('optimize');
  });

  it('takes requeue ids or --all', () => {
    expect(parseArgs(['requeue', '12', '15'], noJobs).requeue).toEqual(['12', '15']);
    expect(parseArgs(['requeue', '--all'], noJobs).requeue).toBe('all');
    expect(() => parseArgs(['requeue'], noJobs)).toThrow(/requeue: needs --all/);
    expect(() => parseArgs(['requeue', '--all', '12'], noJobs)).toThrow(
      /requeue: takes --all or outbox ids, not both \(got --all and 12\)/,
    );
  });

  it('rejects an unknown command or flag', () => {
    expect(() => parseArgs(['publish'], noJobs)).toThrow(/unknown command "publish"/);
    expect(() => parseArgs(['--bogus'], noJobs)).toThrow(/--bogus: unknown flag/);
  });
});
