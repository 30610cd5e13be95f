import type { SecureContext } from 'node:tls';
import { readCertificates, readKeyPair } from '../../config/files.js';
import { makePemFixtures } from '../../testing/pem-fixtures.js';
import type { StoreConfig } from '../store.js';
import { clientConfig, poolConfig, sslOption } from './connection.js';

const config: StoreConfig = {
  driver: 'postgres',
  host: 'db',
  port: 5432,
  user: 'relay',
  password: 'secret',
  database: 'shop',
  table: 'kafka_outbox',
  tls: { mode: 'disable' },
  poolSize: 7,
};

describe('node-postgres options', () => {
  it('connects without TLS when the mode is disable', () => {
    expect(clientConfig(config).ssl).toBe(false);
  });

  it('encrypts without checking the certificate for require', () => {
    expect(sslOption({ mode: 'require' })).toEqual({ rejectUnauthorized: false });
  });

  it('checks the chain but not the host name for verify-ca', () => {
    const ssl = sslOption({ mode: 'verify-ca' }) as {
      rejectUnauthorized: boolean;
      checkServerIdentity(): unknown;
    };
    expect(ssl.rejectUnauthorized).toBe(true);
    expect(ssl.checkServerIdentity()).toBeUndefined();
  });

  it("checks the chain and the host name (Node's default) for verify-full", () => {
    expect(sslOption({ mode: 'verify-full' })).toEqual({ rejectUnauthorized: true });
  });

  it('hands the CA and the client certificate over in one secure context, built once', () => {
    const fixtures = makePemFixtures();
    try {
      const tls = {
        mode: 'verify-full' as const,
        ca: readCertificates('DB_TLS_CA_FILE', fixtures.ca),
        ...readKeyPair(
          { variable: 'DB_TLS_CERT_FILE', path: fixtures.cert },
          { variable: 'DB_TLS_KEY_FILE', path: fixtures.key },
        ),
      };
      const first = sslOption(tls) as { secureContext: SecureContext; rejectUnauthorized: boolean };
      expect(first.rejectUnauthorized).toBe(true);
      expect(first.secureContext).toBeDefined();
      expect((sslOption(tls) as { secureContext: SecureContext }).secureContext).toBe(first.secureContext);
      expect(JSON.stringify(first)).not.toContain('PRIVATE KEY');
    } finally {
      fixtures.remove();
    }
  });

  it('keeps the password out of every options object it builds, yet gives it to the driver', () => {
    for (const options of [clientConfig(config), poolConfig(config)]) {
      expect(options.password).toBe('secret');
      expect(Object.keys(options)).not.toContain('password');
      expect(JSON.stringify(options)).not.toContain('secret');
    }
  });

  it('sizes the pool from the configuration', () => {
    expect(poolConfig(config)).toMatchObject({ max: 7, database: 'shop', host: 'db', port: 5432 });
  });
});
