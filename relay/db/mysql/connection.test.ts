import type { StoreConfig } from '../store.js';
import { connectionOptions, poolOptions, sslOption } from './connection.js';

const config: StoreConfig = {
  driver: 'mysql',
  host: 'db',
  port: 3306,
  user: 'relay',
  password: 'secret',
  database: 'shop',
  table: 'kafka_outbox',
  tls: { mode: 'disable' },
  poolSize: 7,
};
const pem = (variable: string, text: string) => ({ variable, path: `/${variable}`, pem: text });

describe('mysql2 options', () => {
  it('connects without TLS when the mode is disable', () => {
    expect(connectionOptions(config).ssl).toBeUndefined();
  });

  it.each([
    ['require', { rejectUnauthorized: false }],
    ['verify-ca', { rejectUnauthorized: true, verifyIdentity: false }],
    ['verify-full', { rejectUnauthorized: true, verifyIdentity: true }],
  ] as const)('maps %s onto rejectUnauthorized and verifyIdentity', (mode, ssl) => {
    expect(sslOption({ mode })).toEqual(ssl);
  });

  it('gives the driver the CA, the client certificate and its key, the key non-enumerable', () => {
    const ssl = sslOption({
      mode: 'verify-ca',
      ca: pem('DB_TLS_CA_FILE', 'CA'),
      cert: pem('DB_TLS_CERT_FILE', 'CERT'),
      key: pem('DB_TLS_KEY_FILE', 'KEY'),
    }) as { ca: string; cert: string; key: string };
    expect(ssl).toMatchObject({ ca: 'CA', cert: 'CERT' });
    expect(ssl.key).toBe('KEY');
    expect(JSON.stringify(ssl)).not.toContain('KEY');
  });

  it('keeps the password out of every options object it builds, yet gives it to the driver', () => {
    for (const options of [connectionOptions(config), poolOptions(config)]) {
      expect(options.password).toBe('secret');
      expect(JSON.stringify(options)).not.toContain('secret');
    }
  });

  it('keeps BIGINT ids exact and sizes the pool from the configuration', () => {
    expect(poolOptions(config)).toMatchObject({
      connectionLimit: 7,
      supportBigNumbers: true,
      bigNumberStrings: true,
      multipleStatements: false,
    });
  });
});
