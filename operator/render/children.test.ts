// Golden-file tests of the desired children. UPDATE_GOLDEN=1 rewrites the files in testdata/ after an
// intended change; review the diff before committing it.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OutboxRelay } from '../api/types.js';
import { desiredChildren } from './children.js';
import { terminationGracePeriodSeconds } from './deployment.js';

const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const config = { relayImage: 'kafka-outbox-relay/relay:0.1.0' };

// config/samples/minimal.yaml as the API server keeps it, with the CRD's defaults (the CRD test checks it).
function minimal(): OutboxRelay {
  return {
    apiVersion: 'outbox.kafka-relay.dev/v1alpha1',
    kind: 'OutboxRelay',
    metadata: {
      name: 'orders',
      namespace: 'shop',
      uid: '0c5e1b7e-0000-4000-8000-000000000001',
      generation: 1,
    },
    spec: JSON.parse(
      readFileSync(path.join(testdata, 'minimal-sample.spec.json'), 'utf8'),
    ) as OutboxRelay['spec'],
  };
}

function full(): OutboxRelay {
  const r = minimal();
  r.metadata.name = 'payments';
  r.spec = {
    database: {
      driver: 'mysql',
      secretRef: {
        name: 'payments-db',
        keys: {
          host: 'db-host',
          port: 'db-port',
          username: 'db-user',
          password: 'db-password',
          database: 'db-name',
        },
      },
      table: 'payments_outbox',
      tls: { enabled: true, verify: true },
    },
    kafka: {
      brokers: ['kafka-0.kafka:9093', 'kafka-1.kafka:9093'],
      tls: { enabled: true, skipVerify: false },
      sasl: {
        mechanism: 'scram-sha-512',
        secretRef: { name: 'payments-kafka', keys: { username: 'user', password: 'pass' } },
      },
      partitioner: 'fnv1a',
      compression: 'gzip',
    },
    relay: {
      replicas: 2,
      batchSize: 500,
      pollInterval: '250ms',
      maxAttempts: 5,
      claimTimeout: '30s',
      shutdownTimeout: '10s',
      logLevel: 'debug',
      image: 'registry.example.com/relay:1.2.3',
      imagePullPolicy: 'IfNotPresent',
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'outbox', effect: 'NoSchedule' }],
      affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] } },
      serviceAccountName: 'payments-relay',
      podAnnotations: { 'prometheus.io/scrape': 'true' },
      imagePullSecrets: [{ name: 'registry-credentials' }],
    },
    cleanup: { enabled: true, schedule: '15 * * * *', retention: '7d' },
    optimize: { enabled: true, schedule: '30 3 * * 0' },
    paused: false,
  };
  return r;
}

function golden(name: string, value: unknown): void {
  const file = path.join(testdata, `${name}.golden.json`);
  const text = `${JSON.stringify(value, null, 2)}\n`;
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
    if (process.env.CI && !existsSync(file)) throw new Error(`missing golden file ${file}`);
    mkdirSync(testdata, { recursive: true });
    writeFileSync(file, text);
  }
  // Compared as data, so formatting the files (prettier) does not matter.
  expect(JSON.parse(text)).toEqual(JSON.parse(readFileSync(file, 'utf8')));
}

describe('desiredChildren', () => {
  const cases: Array<[string, () => OutboxRelay]> = [
    ['minimal', minimal],
    ['full', full],
  ];

  it.each(cases)('renders the %s resource as in its golden files', (name, make) => {
    const children = desiredChildren(make(), config, 'abc123');
    for (const child of children.filter((c) => c.kind.component !== 'reporter')) {
      golden(`${name}-${child.kind.component}`, child.object ?? null);
    }
    // The reporter's ServiceAccount, Role and RoleBinding share a component: one file holds the three.
    const reporter = children.filter((c) => c.kind.component === 'reporter').map((c) => c.object ?? null);
    golden(`${name}-reporter`, reporter);
  });

  it('never changes the resource it was given', () => {
    const r = full();
    const before = JSON.stringify(r);
    desiredChildren(r, config, 'h');
    expect(JSON.stringify(r)).toBe(before);
  });

  it('renders no optimize CronJob when optimize is disabled, and no cleanup CronJob when cleanup is', () => {
    const r = minimal();
    r.spec.cleanup = { enabled: false };
    const byComponent = Object.fromEntries(desiredChildren(r, config, 'h').map((c) => [c.kind.component, c]));
    expect(byComponent.relay?.object).toBeDefined();
    expect(byComponent.cleanup?.object).toBeUndefined();
    expect(byComponent.optimize?.object).toBeUndefined();
  });

  it('passes every credential as a secretKeyRef or a mounted file and never as a value', () => {
    for (const child of desiredChildren(full(), config, 'h')) {
      const text = JSON.stringify(child.object ?? {});
      for (const name of [
        'DB_HOST',
        'DB_PORT',
        'DB_USER',
        'DB_PASS',
        'DB_NAME',
        'KAFKA_SASL_USERNAME',
        'KAFKA_SASL_PASSWORD',
      ]) {
        const env = [...text.matchAll(new RegExp(`\\{"name":"${name}","value":`, 'g'))];
        expect(env).toHaveLength(0);
      }
    }
  });

  it('passes spec.relay.notifyOnInsert to the relay as NOTIFY_ON_INSERT only when it is set', () => {
    const relayEnv = (r: OutboxRelay) => {
      const relay = desiredChildren(r, config, 'h').find((c) => c.kind.component === 'relay')!;
      const spec = (
        relay.object as { spec: { template: { spec: { containers: Array<{ env: unknown[] }> } } } }
      ).spec;
      return spec.template.spec.containers[0]!.env as Array<{ name: string; value?: string }>;
    };
    expect(relayEnv(minimal()).some((e) => e.name === 'NOTIFY_ON_INSERT')).toBe(false);
    const off = minimal();
    off.spec.relay = { ...off.spec.relay, notifyOnInsert: false };
    expect(relayEnv(off).filter((e) => e.name === 'NOTIFY_ON_INSERT')).toEqual([
      { name: 'NOTIFY_ON_INSERT', value: 'false' },
    ]);
  });

  it('derives a grace period that fits the drain: 8s of drain gives 15s', () => {
    expect(terminationGracePeriodSeconds(minimal())).toBe(15);
  });
});
