import { createHash } from 'node:crypto';
import { checkSecrets, type SecretLike } from '../controller/secrets-check.js';
import type { OutboxRelay } from '../api/types.js';
import { secretHash } from './secret-hash.js';

const base = { name: 'db', uid: '7d1c0000-0000-4000-8000-000000000001', resourceVersion: '41' };

describe('secretHash', () => {
  it.each([
    ['changes when the Secret is written (a new resourceVersion)', { ...base, resourceVersion: '42' }, false],
    ['changes when the Secret is deleted and made again (a new uid)', { ...base, uid: 'other' }, false],
    ['stays while the Secret is not written', { ...base }, true],
  ])('%s', (_name, changed, same) => {
    expect(secretHash([changed]) === secretHash([base])).toBe(same);
  });

  it('does not depend on the order of the Secrets, nor on a Secret referenced twice', () => {
    const ca = { name: 'ca', uid: 'u2', resourceVersion: '7' };
    expect(secretHash([base, ca])).toBe(secretHash([ca, base, ca]));
  });

  it('changes when a Secret referenced by a new field (a client certificate) rotates', () => {
    const cert = { name: 'orders-relay', uid: 'u3', resourceVersion: '1' };
    expect(secretHash([base, cert])).not.toBe(secretHash([base, { ...cert, resourceVersion: '2' }]));
  });
});

describe('the secret-hash of a resource', () => {
  const relay: OutboxRelay = {
    apiVersion: 'outbox.kafka-relay.dev/v1alpha1',
    kind: 'OutboxRelay',
    metadata: { name: 'orders', namespace: 'shop' },
    spec: {
      database: { secretRef: { name: 'db' } },
      kafka: { brokers: ['k:9093'], tls: { enabled: true, clientCertSecretRef: { name: 'orders-relay' } } },
    },
  };
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const dbData = {
    host: b64('h'),
    port: b64('5432'),
    username: b64('u'),
    password: b64('p'),
    database: b64('d'),
  };
  const secrets = (password: string, certVersion: string) =>
    new Map<string, SecretLike>([
      [
        'db',
        {
          metadata: { name: 'db', uid: 'u1', resourceVersion: '10' },
          data: { ...dbData, password: b64(password) },
        },
      ],
      [
        'orders-relay',
        {
          metadata: { name: 'orders-relay', uid: 'u2', resourceVersion: certVersion },
          data: { 'user.crt': 'Yw==', 'user.key': 'aw==' },
        },
      ],
    ]);
  const hashOf = (password: string, certVersion = '5') => {
    const result = checkSecrets(relay, (n) => secrets(password, certVersion).get(n));
    if (!result.ok) throw new Error(result.message);
    return result.hash;
  };

  it('is not a function of the values: other values under the same versions give the same hash', () => {
    expect(hashOf('hunter2')).toBe(hashOf('correct horse battery staple'));
  });

  it('cannot be computed from the values alone: it is no digest of them, the old unsalted one included', () => {
    const h = hashOf('hunter2');
    for (const v of ['hunter2', b64('hunter2'), `db\0password\0${b64('hunter2')}\0`]) {
      expect(createHash('sha256').update(v).digest('hex').slice(0, 16)).not.toBe(h);
    }
  });

  it('changes when the client certificate Secret is rotated', () => {
    expect(hashOf('p', '5')).not.toBe(hashOf('p', '6'));
  });
});
