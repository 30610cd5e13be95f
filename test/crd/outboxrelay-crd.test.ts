// The API server itself rejects invalid OutboxRelays, naming the field, and fills in the defaults.
import { installCrd, kubectlError, repoFile } from '../support/operator.js';
import { createNamespace, kubectl, type TestNamespace } from '../support/servers.js';

type Spec = Record<string, unknown>;

function relay(name: string, spec: Spec): string {
  return JSON.stringify({
    apiVersion: 'outbox.kafka-relay.dev/v1alpha1',
    kind: 'OutboxRelay',
    metadata: { name },
    spec,
  });
}

const valid = (): {
  database: Record<string, unknown>;
  kafka: Record<string, unknown>;
  [k: string]: unknown;
} => ({
  database: { secretRef: { name: 'db' } },
  kafka: { brokers: ['kafka-0.kafka:9092'] },
});

function withSpec(change: (s: ReturnType<typeof valid>) => void): Spec {
  const s = valid();
  change(s);
  return s;
}

// [case, spec, text the error must contain (the field), text naming the rule]
const invalid: Array<[string, Spec, string, string]> = [
  ['a spec without a database is rejected', { kafka: { brokers: ['k:9092'] } }, 'spec.database', 'Required'],
  [
    'a database without a secretRef is rejected',
    withSpec((s) => (s.database = { driver: 'postgres' })),
    'spec.database.secretRef',
    'Required',
  ],
  [
    'an unknown database driver is rejected',
    withSpec((s) => (s.database.driver = 'oracle')),
    'spec.database.driver',
    'Unsupported value',
  ],
  [
    'a table name with a space is rejected',
    withSpec((s) => (s.database.table = 'drop table')),
    'spec.database.table',
    'should match',
  ],
  [
    'a schema-qualified table name, which the relay cannot take, is rejected',
    withSpec((s) => (s.database.table = 'shop.kafka_outbox')),
    'spec.database.table',
    'should match',
  ],
  [
    'a table name longer than the relay accepts is rejected',
    withSpec((s) => (s.database.table = 't'.repeat(41))),
    'spec.database.table',
    'Too long',
  ],
  [
    'a Secret name with capitals is rejected',
    withSpec((s) => (s.database.secretRef = { name: 'Orders_DB' })),
    'spec.database.secretRef.name',
    'should match',
  ],
  [
    'turning database certificate verification off without TLS is rejected',
    withSpec((s) => (s.database.tls = { enabled: false, verify: false })),
    'spec.database.tls.verify',
    'can only be turned off',
  ],
  [
    'an empty broker list is rejected',
    withSpec((s) => (s.kafka.brokers = [])),
    'spec.kafka.brokers',
    'at least 1 items',
  ],
  [
    'a broker without a port is rejected',
    withSpec((s) => (s.kafka.brokers = ['kafka-0.kafka'])),
    'spec.kafka.brokers[0]',
    'should match',
  ],
  [
    'SASL without a secretRef is rejected',
    withSpec((s) => (s.kafka.sasl = { mechanism: 'plain' })),
    'spec.kafka.sasl.secretRef',
    'is required when a SASL mechanism is set',
  ],
  [
    'an unknown SASL mechanism is rejected',
    withSpec((s) => (s.kafka.sasl = { mechanism: 'gssapi', secretRef: { name: 'k' } })),
    'spec.kafka.sasl.mechanism',
    'Unsupported value',
  ],
  [
    'an unknown partitioner is rejected',
    withSpec((s) => (s.kafka.partitioner = 'random')),
    'spec.kafka.partitioner',
    'Unsupported value',
  ],
  [
    'a compression the relay does not support is rejected',
    withSpec((s) => (s.kafka.compression = 'zstd')),
    'spec.kafka.compression',
    'Unsupported value',
  ],
  [
    'skipping broker certificate verification without TLS is rejected',
    withSpec((s) => (s.kafka.tls = { enabled: false, skipVerify: true })),
    'spec.kafka.tls.skipVerify',
    'can only be set',
  ],
  [
    'a batch size of zero is rejected',
    withSpec((s) => (s.relay = { batchSize: 0 })),
    'spec.relay.batchSize',
    'greater than or equal to 1',
  ],
  [
    'a batch size above the maximum is rejected',
    withSpec((s) => (s.relay = { batchSize: 1_000_000 })),
    'spec.relay.batchSize',
    'less than or equal to 10000',
  ],
  [
    'a poll interval that is not a duration is rejected',
    withSpec((s) => (s.relay = { pollInterval: 'often' })),
    'spec.relay.pollInterval',
    'should match',
  ],
  [
    'a poll interval longer than an hour is rejected',
    withSpec((s) => (s.relay = { pollInterval: '2h' })),
    'spec.relay.pollInterval',
    'must be a duration from 10ms to 1h',
  ],
  [
    'a stalledAfter that is not a duration is rejected',
    withSpec((s) => (s.relay = { stalledAfter: 'soon' })),
    'spec.relay.stalledAfter',
    'should match',
  ],
  [
    'a stalledAfter under a minute is rejected',
    withSpec((s) => (s.relay = { stalledAfter: '30s' })),
    'spec.relay.stalledAfter',
    'must be between 1m and 24h',
  ],
  [
    'zero publish attempts are rejected',
    withSpec((s) => (s.relay = { maxAttempts: 0 })),
    'spec.relay.maxAttempts',
    'greater than or equal to 1',
  ],
  [
    'an unknown log level is rejected',
    withSpec((s) => (s.relay = { logLevel: 'verbose' })),
    'spec.relay.logLevel',
    'Unsupported value',
  ],
  [
    'a cleanup schedule that is not a cron expression is rejected',
    withSpec((s) => (s.cleanup = { schedule: 'every hour' })),
    'spec.cleanup.schedule',
    'must be a cron expression',
  ],
  [
    'a cleanup schedule with minute 60 is rejected',
    withSpec((s) => (s.cleanup = { schedule: '60 * * * *' })),
    'spec.cleanup.schedule',
    'must be a cron expression',
  ],
  [
    'an optimize schedule with four fields is rejected',
    withSpec((s) => (s.optimize = { enabled: true, schedule: '0 3 * *' })),
    'spec.optimize.schedule',
    'must be a cron expression',
  ],
  [
    'a retention that is not a duration is rejected',
    withSpec((s) => (s.cleanup = { retention: '1 week' })),
    'spec.cleanup.retention',
    'should match',
  ],
  [
    'a retention under a minute is rejected',
    withSpec((s) => (s.cleanup = { retention: '30s' })),
    'spec.cleanup.retention',
    'must be a duration from 1m to 3650d',
  ],
  [
    'cleanup and optimize on the same schedule are rejected',
    withSpec((s) => {
      s.cleanup = { schedule: '0 3 * * *' };
      s.optimize = { enabled: true, schedule: '0 3 * * *' };
    }),
    'spec.optimize.schedule',
    'must differ from spec.cleanup.schedule',
  ],
  [
    'a toleration with an unknown effect is rejected',
    withSpec((s) => (s.relay = { tolerations: [{ key: 'a', operator: 'Exists', effect: 'Sometimes' }] })),
    'spec.relay.tolerations[0].effect',
    'Unsupported value',
  ],
  [
    'a resource quantity that is not a quantity is rejected',
    withSpec((s) => (s.relay = { resources: { limits: { memory: 'lots' } } })),
    'spec.relay.resources.limits.memory',
    'should match',
  ],
  [
    'more than sixteen replicas are rejected',
    withSpec((s) => (s.relay = { replicas: 100 })),
    'spec.relay.replicas',
    'less than or equal to 16',
  ],
  [
    'a notifyOnInsert that is not a boolean is rejected',
    withSpec((s) => (s.relay = { notifyOnInsert: 'no' })),
    'spec.relay.notifyOnInsert',
    'must be of type boolean',
  ],
  [
    'a paused flag that is not a boolean is rejected',
    withSpec((s) => (s.paused = 'yes')),
    'spec.paused',
    'must be of type boolean',
  ],
];

const longName = 'a'.repeat(44);

describe('the OutboxRelay CRD', () => {
  let ns: TestNamespace;

  beforeAll(async () => {
    await installCrd();
    ns = await createNamespace('crd');
  });

  afterAll(async () => {
    await ns?.remove();
  });

  it('has at least 15 distinct invalid cases', () => {
    expect(new Set(invalid.map(([name]) => name)).size).toBe(invalid.length);
    expect(invalid.length).toBeGreaterThanOrEqual(15);
  });

  it.each(invalid)('%s', async (_name, spec, field, rule) => {
    const error = await kubectlError(
      ['apply', '--dry-run=server', '-n', ns.name, '-f', '-'],
      relay('invalid', spec),
    );
    expect(error).toBeDefined();
    expect(error).toContain('is invalid');
    expect(error).toContain(field);
    expect(error).toContain(rule);
  });

  it('rejects a name too long for the names of the children', async () => {
    const error = await kubectlError(
      ['apply', '--dry-run=server', '-n', ns.name, '-f', '-'],
      relay(longName, valid()),
    );
    expect(error).toContain('metadata.name');
    expect(error).toContain('at most 43 characters');
  });

  it('accepts a valid resource in the same dry run (the cases fail for their one reason)', async () => {
    const error = await kubectlError(
      ['apply', '--dry-run=server', '-n', ns.name, '-f', '-'],
      relay('valid', valid()),
    );
    expect(error).toBeUndefined();
  });

  it('accepts notifyOnInsert: false and keeps it as given', async () => {
    const object = withSpec((s) => (s.relay = { notifyOnInsert: false }));
    const out = await kubectl(
      ['apply', '--dry-run=server', '-n', ns.name, '-o', 'json', '-f', '-'],
      relay('notify-off', object),
    );
    expect(JSON.parse(out).spec.relay.notifyOnInsert).toBe(false);
  });

  it.each(['none', 'gzip', 'lz4'])('accepts the compression %s, as the relay does', async (compression) => {
    const object = withSpec((s) => (s.kafka.compression = compression));
    const out = await kubectl(
      ['apply', '--dry-run=server', '-n', ns.name, '-o', 'json', '-f', '-'],
      relay(`compression-${compression}`, object),
    );
    expect(JSON.parse(out).spec.kafka.compression).toBe(compression);
  });

  it('accepts the minimal sample and fills in every default', async () => {
    await kubectl(['apply', '-n', ns.name, '-f', '-'], repoFile('config/samples/minimal.yaml'));
    const got = JSON.parse(await kubectl(['get', 'outboxrelay', 'orders', '-n', ns.name, '-o', 'json']));
    // The same spec is the input of the operator's golden-file tests of the minimal resource.
    expect(got.spec).toEqual(JSON.parse(repoFile('operator/render/testdata/minimal-sample.spec.json')));
  });

  it('accepts the full sample, keeps what it sets and defaults the SASL keys', async () => {
    await kubectl(['apply', '-n', ns.name, '-f', '-'], repoFile('config/samples/full.yaml'));
    const got = JSON.parse(await kubectl(['get', 'outboxrelay', 'payments', '-n', ns.name, '-o', 'json']));
    expect(got.spec.database.driver).toBe('mysql');
    expect(got.spec.database.secretRef.keys.host).toBe('db-host');
    expect(got.spec.kafka.sasl).toEqual({
      mechanism: 'scram-sha-512',
      allowPlaintext: false,
      secretRef: { name: 'payments-kafka', keys: { username: 'username', password: 'password' } },
    });
    expect(got.spec.relay.batchSize).toBe(500);
    expect(got.spec.relay.resources).toEqual({
      requests: { cpu: '100m', memory: '128Mi' },
      limits: { memory: '256Mi' },
    });
    expect(got.spec.optimize).toEqual({ enabled: true, schedule: '30 3 * * 0' });
  });

  it('prints DRIVER, TABLE, READY, REASON, BACKLOG, OLDEST and AGE, and more columns with -o wide', async () => {
    const header = (await kubectl(['get', 'obr', '-n', ns.name])).split('\n')[0] ?? '';
    expect(header.split(/\s+/).filter(Boolean)).toEqual([
      'NAME',
      'DRIVER',
      'TABLE',
      'READY',
      'REASON',
      'BACKLOG',
      'OLDEST',
      'AGE',
    ]);
    const wide = (await kubectl(['get', 'obr', '-n', ns.name, '-o', 'wide'])).split('\n')[0] ?? '';
    expect(wide).toMatch(/AGE\s+LAST PUBLISHED\s+BROKERS\s+AVAILABLE\s+CLEANUP\s+PAUSED/);
  });

  it('defaults stalledAfter to 5m', async () => {
    const out = await kubectl(
      ['apply', '--dry-run=server', '-n', ns.name, '-o', 'json', '-f', '-'],
      relay('stalled-default', valid()),
    );
    expect(JSON.parse(out).spec.relay.stalledAfter).toBe('5m');
  });
});

describe('the OutboxRelay schema as served', () => {
  it('describes every field', async () => {
    const crd = JSON.parse(
      await kubectl(['get', 'crd', 'outboxrelays.outbox.kafka-relay.dev', '-o', 'json']),
    );
    const undocumented: string[] = [];
    const walk = (schema: Record<string, unknown>, where: string) => {
      const props = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
      for (const [name, child] of Object.entries(props)) {
        const at = `${where}.${name}`;
        if (at === '.metadata') continue;
        if (typeof child.description !== 'string' || child.description === '') undocumented.push(at);
        walk(child, at);
        if (child.items) walk(child.items as Record<string, unknown>, `${at}[]`);
      }
    };
    walk(crd.spec.versions[0].schema.openAPIV3Schema, '');
    expect(undocumented).toEqual([]);
  });
});
