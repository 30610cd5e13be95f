// TLS and SASL Secrets reach the relay as read-only files named by *_FILE variables; golden files of a
// Strimzi mTLS + RDS verify-full resource, and the rules the rendering keeps.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OutboxRelay } from '../api/types.js';
import { desiredChildren } from './children.js';
import { RELAY_UID } from './pod.js';

const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const config = { relayImage: 'kafka-outbox-relay/relay:0.1.0' };

interface PodSpec {
  securityContext: Record<string, unknown>;
  containers: Array<{
    env: Array<{ name: string; value?: string; valueFrom?: unknown }>;
    volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
  }>;
  volumes: Array<{ name: string; secret?: { secretName: string; defaultMode: number; items: unknown[] } }>;
}

// A Strimzi cluster's TLS listener with a tls KafkaUser, and RDS PostgreSQL with verify-full.
function strimziMtlsRds(): OutboxRelay {
  return {
    apiVersion: 'outbox.kafka-relay.dev/v1alpha1',
    kind: 'OutboxRelay',
    metadata: {
      name: 'orders',
      namespace: 'shop',
      uid: '0c5e1b7e-0000-4000-8000-000000000003',
      generation: 1,
    },
    spec: {
      database: {
        driver: 'postgres',
        secretRef: { name: 'orders-db' },
        table: 'kafka_outbox',
        tls: {
          enabled: false,
          verify: true,
          mode: 'verify-full',
          caSecretRef: { name: 'rds-ca', key: 'global-bundle.pem' },
        },
      },
      kafka: {
        brokers: ['my-cluster-kafka-bootstrap.kafka:9093'],
        tls: {
          enabled: true,
          skipVerify: false,
          caSecretRef: { name: 'my-cluster-cluster-ca-cert', key: 'ca.crt' },
          clientCertSecretRef: { name: 'orders-relay', keys: { cert: 'user.crt', key: 'user.key' } },
        },
      },
    },
  };
}

function scramWithSpecUser(): OutboxRelay {
  const r = strimziMtlsRds();
  r.spec.kafka.tls = {
    enabled: true,
    skipVerify: false,
    caSecretRef: { name: 'my-cluster-cluster-ca-cert' },
  };
  r.spec.kafka.sasl = {
    mechanism: 'scram-sha-512',
    username: 'orders-relay',
    secretRef: { name: 'orders-relay', keys: { username: 'username', password: 'password' } },
  };
  return r;
}

function podOf(r: OutboxRelay, component: 'relay' | 'cleanup'): PodSpec {
  const child = desiredChildren(r, config, 'h').find((c) => c.kind.component === component)!;
  const spec = (child.object as { spec: Record<string, any> }).spec; // eslint-disable-line @typescript-eslint/no-explicit-any
  return (component === 'relay' ? spec.template.spec : spec.jobTemplate.spec.template.spec) as PodSpec;
}

const envOf = (pod: PodSpec) => Object.fromEntries(pod.containers[0]!.env.map((e) => [e.name, e]));

function golden(name: string, value: unknown): void {
  const file = path.join(testdata, `${name}.golden.json`);
  const text = `${JSON.stringify(value, null, 2)}\n`;
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
    if (process.env.CI && !existsSync(file)) throw new Error(`missing golden file ${file}`);
    writeFileSync(file, text);
  }
  expect(JSON.parse(text)).toEqual(JSON.parse(readFileSync(file, 'utf8')));
}

describe('TLS and SASL Secrets as files', () => {
  it('renders a Strimzi mTLS and RDS verify-full resource as in its golden files', () => {
    const children = desiredChildren(strimziMtlsRds(), config, 'abc123');
    for (const child of children.filter((c) => c.kind.component !== 'reporter')) {
      golden(`tls-${child.kind.component}`, child.object ?? null);
    }
  });

  it('names every file by a *_FILE variable under a read-only 0400 volume the relay group can read', () => {
    const pod = podOf(strimziMtlsRds(), 'relay');
    expect(pod.securityContext.fsGroup).toBe(RELAY_UID);
    const env = envOf(pod);
    expect(env.KAFKA_TLS_CA_FILE?.value).toBe('/etc/outbox-relay/kafka-tls-ca/ca.crt');
    expect(env.KAFKA_TLS_CERT_FILE?.value).toBe('/etc/outbox-relay/kafka-tls-client/tls.crt');
    expect(env.KAFKA_TLS_KEY_FILE?.value).toBe('/etc/outbox-relay/kafka-tls-client/tls.key');
    expect(env.DB_TLS_CA_FILE?.value).toBe('/etc/outbox-relay/db-tls-ca/ca.crt');
    expect(env.DB_TLS_MODE?.value).toBe('verify-full');
    for (const v of pod.volumes.filter((v) => v.secret)) expect(v.secret!.defaultMode).toBe(0o400);
    const mounts = pod.containers[0]!.volumeMounts.filter((m) => m.name !== 'tmp');
    expect(mounts.every((m) => m.readOnly === true)).toBe(true);
    expect(mounts.map((m) => m.name).sort()).toEqual([
      'db-password',
      'db-tls-ca',
      'kafka-tls-ca',
      'kafka-tls-client',
    ]);
  });

  it('gives the maintenance jobs the database TLS files and no Kafka setting', () => {
    const pod = podOf(strimziMtlsRds(), 'cleanup');
    const names = pod.containers[0]!.env.map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(['DB_TLS_MODE', 'DB_TLS_CA_FILE']));
    expect(names.filter((n) => n.startsWith('KAFKA_') || n.startsWith('TLS_'))).toEqual([]);
    expect(pod.volumes.map((v) => v.name)).toEqual(['tmp', 'db-password', 'db-tls-ca']);
  });

  it('mounts the database password as a file (DB_PASS_FILE), for the relay and the jobs alike', () => {
    const r = strimziMtlsRds();
    r.spec.database.secretRef = { name: 'orders-db', keys: { password: 'pgpass' } };
    for (const component of ['relay', 'cleanup'] as const) {
      const pod = podOf(r, component);
      const env = envOf(pod);
      expect(env.DB_PASS).toBeUndefined();
      expect(env.DB_PASS_FILE).toEqual({
        name: 'DB_PASS_FILE',
        value: '/etc/outbox-relay/db-password/password',
      });
      const volume = pod.volumes.find((v) => v.name === 'db-password')!;
      expect(volume.secret).toEqual({
        secretName: 'orders-db',
        defaultMode: 0o400,
        items: [{ key: 'pgpass', path: 'password' }],
      });
    }
  });

  it('takes the SASL user from the spec and mounts only the password key', () => {
    const pod = podOf(scramWithSpecUser(), 'relay');
    const env = envOf(pod);
    expect(env.KAFKA_SASL_USERNAME).toEqual({ name: 'KAFKA_SASL_USERNAME', value: 'orders-relay' });
    expect(env.KAFKA_SASL_PASSWORD_FILE?.value).toBe('/etc/outbox-relay/kafka-sasl/password');
    expect(env.KAFKA_SASL_USERNAME_FILE).toBeUndefined();
    expect(env.KAFKA_SASL_PASSWORD).toBeUndefined();
    const sasl = pod.volumes.find((v) => v.name === 'kafka-sasl')!;
    expect(sasl.secret!.items).toEqual([{ key: 'password', path: 'password' }]);
  });

  it('reads the SASL user from the Secret when the spec names none', () => {
    const r = scramWithSpecUser();
    delete r.spec.kafka.sasl!.username;
    const env = envOf(podOf(r, 'relay'));
    expect(env.KAFKA_SASL_USERNAME_FILE?.value).toBe('/etc/outbox-relay/kafka-sasl/username');
    expect(env.KAFKA_SASL_USERNAME).toBeUndefined();
  });

  it('puts no credential or key material in the environment: only the non-secret connection settings', () => {
    for (const make of [strimziMtlsRds, scramWithSpecUser]) {
      for (const component of ['relay', 'cleanup'] as const) {
        const env = podOf(make(), component).containers[0]!.env;
        const fromSecret = env
          .filter((e) => (e.valueFrom as { secretKeyRef?: unknown } | undefined)?.secretKeyRef)
          .map((e) => e.name);
        expect(fromSecret).toEqual(['DB_HOST', 'DB_PORT', 'DB_USER', 'DB_NAME']);
      }
    }
  });
});
