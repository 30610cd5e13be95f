// The API server refuses TLS and SASL settings that cannot work together, naming the field, and accepts
// and defaults each shape the operator renders (Strimzi TLS and SCRAM users, managed databases).
// Beside outboxrelay-crd.test.ts, which is past the size of one file.
import { installCrd, kubectlError } from '../support/operator.js';
import { createNamespace, kubectl, type TestNamespace } from '../support/servers.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function relay(name: string, spec: Obj): string {
  return JSON.stringify({
    apiVersion: 'outbox.kafka-relay.dev/v1alpha1',
    kind: 'OutboxRelay',
    metadata: { name },
    spec,
  });
}

function spec(kafka: Obj = {}, database: Obj = {}): Obj {
  return {
    database: { secretRef: { name: 'db' }, ...database },
    kafka: { brokers: ['my-cluster-kafka-bootstrap.kafka:9093'], ...kafka },
  };
}

const tlsOn = { enabled: true };
const ca = { name: 'my-cluster-cluster-ca-cert' };
const scram = { mechanism: 'scram-sha-512', secretRef: { name: 'orders-relay' } };

// [case, spec, the field the error names, text of the rule]
const invalid: Array<[string, Obj, string, string]> = [
  [
    'SASL plain without TLS is rejected',
    spec({ sasl: { mechanism: 'plain', secretRef: { name: 'k' } } }),
    'spec.kafka.sasl.mechanism',
    'spec.kafka.sasl.allowPlaintext true to allow it',
  ],
  [
    'a Kafka CA without TLS is rejected',
    spec({ tls: { caSecretRef: ca } }),
    'spec.kafka.tls.caSecretRef',
    'needs spec.kafka.tls.enabled true',
  ],
  [
    'a Kafka CA with skipVerify is rejected',
    spec({ tls: { enabled: true, skipVerify: true, caSecretRef: ca } }),
    'spec.kafka.tls.caSecretRef',
    'spec.kafka.tls.skipVerify false',
  ],
  [
    'a Kafka client certificate without TLS is rejected',
    spec({ tls: { clientCertSecretRef: { name: 'orders-relay' } } }),
    'spec.kafka.tls.clientCertSecretRef',
    'needs spec.kafka.tls.enabled true',
  ],
  [
    'a Kafka client certificate and key in the same key are rejected',
    spec({ tls: { enabled: true, clientCertSecretRef: { name: 'u', keys: { cert: 'pem', key: 'pem' } } } }),
    'spec.kafka.tls.clientCertSecretRef.keys.key',
    'must differ from spec.kafka.tls.clientCertSecretRef.keys.cert',
  ],
  [
    'a database client certificate and key in the same key are rejected',
    spec({}, { tls: { mode: 'require', clientCertSecretRef: { name: 'c', keys: { cert: 'a', key: 'a' } } } }),
    'spec.database.tls.clientCertSecretRef.keys.key',
    'must differ from spec.database.tls.clientCertSecretRef.keys.cert',
  ],
  [
    'a database CA with mode require is rejected',
    spec({}, { tls: { mode: 'require', caSecretRef: { name: 'rds-ca' } } }),
    'spec.database.tls.caSecretRef',
    'needs spec.database.tls.mode verify-ca or verify-full',
  ],
  [
    'a database CA with mode disable is rejected',
    spec({}, { tls: { mode: 'disable', caSecretRef: { name: 'rds-ca' } } }),
    'spec.database.tls.caSecretRef',
    'needs spec.database.tls.mode verify-ca or verify-full',
  ],
  [
    'a database CA without TLS is rejected',
    spec({}, { tls: { caSecretRef: { name: 'rds-ca' } } }),
    'spec.database.tls.caSecretRef',
    'needs spec.database.tls.mode verify-ca or verify-full',
  ],
  [
    'a database client certificate with mode disable is rejected',
    spec({}, { tls: { mode: 'disable', clientCertSecretRef: { name: 'c' } } }),
    'spec.database.tls.clientCertSecretRef',
    'needs TLS to the database',
  ],
  [
    'an unknown database TLS mode is rejected',
    spec({}, { tls: { mode: 'prefer' } }),
    'spec.database.tls.mode',
    'Unsupported value',
  ],
];

// [case, spec, a path into the stored spec, the value the API server keeps or fills in]
const accepted: Array<[string, Obj, (s: Obj) => unknown, unknown]> = [
  [
    'a Strimzi TLS listener with a tls KafkaUser, defaulting ca.crt, user.crt and user.key',
    spec({ tls: { enabled: true, caSecretRef: ca, clientCertSecretRef: { name: 'orders-relay' } } }),
    (s) => s.kafka.tls,
    {
      enabled: true,
      skipVerify: false,
      caSecretRef: { name: 'my-cluster-cluster-ca-cert', key: 'ca.crt' },
      clientCertSecretRef: { name: 'orders-relay', keys: { cert: 'user.crt', key: 'user.key' } },
    },
  ],
  [
    'a Strimzi scram-sha-512 KafkaUser with the user named in the spec',
    spec({ tls: { ...tlsOn, caSecretRef: ca }, sasl: { ...scram, username: 'orders-relay' } }),
    (s) => s.kafka.sasl,
    {
      ...scram,
      username: 'orders-relay',
      allowPlaintext: false,
      secretRef: { name: 'orders-relay', keys: { username: 'username', password: 'password' } },
    },
  ],
  [
    'SCRAM without TLS (the password never crosses the wire)',
    spec({ sasl: { mechanism: 'scram-sha-256', secretRef: { name: 'k' } } }),
    (s) => s.kafka.sasl.mechanism,
    'scram-sha-256',
  ],
  [
    'SASL plain over TLS',
    spec({ tls: tlsOn, sasl: { mechanism: 'plain', secretRef: { name: 'k' } } }),
    (s) => s.kafka.sasl.mechanism,
    'plain',
  ],
  [
    'SASL plain without TLS when allowPlaintext says so',
    spec({ sasl: { mechanism: 'plain', allowPlaintext: true, secretRef: { name: 'k' } } }),
    (s) => s.kafka.sasl.allowPlaintext,
    true,
  ],
  [
    'RDS PostgreSQL with verify-full and its CA bundle',
    spec({}, { tls: { mode: 'verify-full', caSecretRef: { name: 'rds-ca', key: 'global-bundle.pem' } } }),
    (s) => s.database.tls,
    {
      enabled: false,
      verify: true,
      mode: 'verify-full',
      caSecretRef: { name: 'rds-ca', key: 'global-bundle.pem' },
    },
  ],
  [
    'a database client certificate from a kubernetes.io/tls Secret, defaulting tls.crt and tls.key',
    spec({}, { tls: { mode: 'verify-ca', caSecretRef: { name: 'ca' }, clientCertSecretRef: { name: 'c' } } }),
    (s) => s.database.tls.clientCertSecretRef,
    { name: 'c', keys: { cert: 'tls.crt', key: 'tls.key' } },
  ],
  [
    'a database client certificate with mode require',
    spec({}, { tls: { mode: 'require', clientCertSecretRef: { name: 'c' } } }),
    (s) => s.database.tls.mode,
    'require',
  ],
  [
    'a database CA with the old fields enabled and verify',
    spec({}, { tls: { enabled: true, verify: true, caSecretRef: { name: 'ca' } } }),
    (s) => s.database.tls.caSecretRef,
    { name: 'ca', key: 'ca.crt' },
  ],
  [
    'the old fields alone, as before',
    spec({}, { tls: { enabled: true, verify: false } }),
    (s) => s.database.tls,
    { enabled: true, verify: false },
  ],
];

describe('the OutboxRelay CRD: TLS and SASL', () => {
  let ns: TestNamespace;

  beforeAll(async () => {
    await installCrd();
    ns = await createNamespace('crd-tls');
  });

  afterAll(async () => {
    await ns?.remove();
  });

  it.each(invalid)('%s', async (_name, s, field, rule) => {
    const error = await kubectlError(
      ['apply', '--dry-run=server', '-n', ns.name, '-f', '-'],
      relay('invalid', s),
    );
    expect(error).toContain('is invalid');
    expect(error).toContain(field);
    expect(error).toContain(rule);
  });

  it.each(accepted)('accepts %s', async (_name, s, pick, expected) => {
    const out = await kubectl(
      ['apply', '--dry-run=server', '-n', ns.name, '-o', 'json', '-f', '-'],
      relay('accepted', s),
    );
    expect(pick(JSON.parse(out).spec)).toEqual(expected);
  });
});
