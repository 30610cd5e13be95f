import { decodeSecretData, resolveEnv } from './resolve-env.js';

describe('resolving a rendered container environment', () => {
  const secrets = { db: { password: 's3cret', host: '127.0.0.1' } };

  it('keeps plain values and reads secretKeyRef values from the Secret', () => {
    expect(
      resolveEnv(
        [
          { name: 'DB_DRIVER', value: 'postgres' },
          { name: 'DB_PASS', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
        ],
        secrets,
      ),
    ).toEqual({ DB_DRIVER: 'postgres', DB_PASS: 's3cret' });
  });

  it('names the variable, Secret and key when a key is missing, without the values', () => {
    const run = () =>
      resolveEnv(
        [{ name: 'DB_USER', valueFrom: { secretKeyRef: { name: 'db', key: 'username' } } }],
        secrets,
      );
    expect(run).toThrow('env DB_USER: Secret db has no key username');
    expect(run).not.toThrow(/s3cret/);
  });

  it('skips an optional key that is missing', () => {
    expect(
      resolveEnv(
        [{ name: 'X', valueFrom: { secretKeyRef: { name: 'db', key: 'x', optional: true } } }],
        secrets,
      ),
    ).toEqual({});
  });

  it('fills field references from the pod fields given', () => {
    expect(
      resolveEnv(
        [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
        {},
        { 'metadata.name': 'p-1' },
      ),
    ).toEqual({
      POD: 'p-1',
    });
  });

  it('decodes base64 Secret data', () => {
    expect(decodeSecretData({ a: Buffer.from('b').toString('base64') })).toEqual({ a: 'b' });
  });
});
