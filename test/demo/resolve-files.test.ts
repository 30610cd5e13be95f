import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveContainer } from './resolve-files.js';

describe('resolving a rendered container with its mounted Secret files', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'resolve-files-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const secrets = { db: { password: 's3cret', host: 'h' } };
  const container = {
    env: [
      { name: 'DB_HOST', valueFrom: { secretKeyRef: { name: 'db', key: 'host' } } },
      { name: 'DB_PASS_FILE', value: '/etc/outbox-relay/db-password/password' },
      { name: 'OTHER', value: '/etc/outbox-relay-not-a-mount/x' },
    ],
    volumeMounts: [
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'db-password', mountPath: '/etc/outbox-relay/db-password' },
    ],
  };
  const volumes = [
    { name: 'tmp' },
    {
      name: 'db-password',
      secret: { secretName: 'db', defaultMode: 0o400, items: [{ key: 'password', path: 'password' }] },
    },
  ];

  it('writes the items with the volume mode and points the *_FILE variables at them', () => {
    const env = resolveContainer(container, volumes, secrets, root);
    expect(env.DB_HOST).toBe('h');
    expect(env.DB_PASS_FILE).toBe(path.join(root, 'db-password', 'password'));
    expect(env.OTHER).toBe('/etc/outbox-relay-not-a-mount/x');
    expect(readFileSync(env.DB_PASS_FILE!, 'utf8')).toBe('s3cret');
    expect(statSync(env.DB_PASS_FILE!).mode & 0o777).toBe(0o400);
  });

  it('fails as the kubelet does when the Secret lacks a key, naming the volume, Secret and key', () => {
    const run = () => resolveContainer(container, volumes, { db: { host: 'h' } }, root);
    expect(run).toThrow('volume db-password: Secret db has no key password');
  });
});
