import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeServerExports } from './exports-file.js';
import { servedOnly, testcontainersExports, testServers } from './mode.js';

describe('TEST_SERVERS', () => {
  it('defaults to the devenv', () => {
    expect(testServers({})).toBe('devenv');
    expect(testServers({ TEST_SERVERS: 'testcontainers' })).toBe('testcontainers');
  });

  it('rejects any other value, naming the variable', () => {
    expect(() => testServers({ TEST_SERVERS: 'kind' })).toThrow(
      /TEST_SERVERS must be devenv or testcontainers/,
    );
  });
});

describe("the testcontainers servers' exports", () => {
  const exports = servedOnly({ PGHOST: '127.0.0.1', KAFKA_BROKERS: '127.0.0.1:1' });

  it('give what the containers serve', () => {
    expect(exports.PGHOST).toBe('127.0.0.1');
    expect({ ...exports }).toEqual({ PGHOST: '127.0.0.1', KAFKA_BROKERS: '127.0.0.1:1' });
  });

  it('fail at once on an export they do not serve, naming it and the mode', () => {
    expect(() => exports.KUBECONFIG).toThrow(/KUBECONFIG is not served with TEST_SERVERS=testcontainers/);
    expect(() => exports.DEVENV_TLS_CA_FILE).toThrow(/run it without TEST_SERVERS/);
  });

  it('leave names that are not export names alone (promises, JSON, matchers look for those)', () => {
    const loose = exports as Record<string, unknown>;
    expect(loose.then).toBeUndefined();
    expect(loose.toJSON).toBeUndefined();
    expect(JSON.stringify(exports)).toBe('{"PGHOST":"127.0.0.1","KAFKA_BROKERS":"127.0.0.1:1"}');
  });

  it('are read from the file the global setup wrote, and missing it say who writes it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tc-mode-'));
    try {
      const env = { OUTBOX_RELAY_DEVENV_DIR: dir };
      expect(() => testcontainersExports(env)).toThrow(/global setup starts them/);
      writeServerExports({ TEST_SERVERS: 'testcontainers', PGPORT: '5432' }, env);
      expect(testcontainersExports(env).PGPORT).toBe('5432');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
