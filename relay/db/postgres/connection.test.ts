import type { StoreConfig } from '../store.js';
import { clientConfig, poolConfig } from './connection.js';

const config: StoreConfig = {
  driver: 'postgres',
  host: 'db',
  port: 5432,
  user: 'relay',
  password: 'secret',
  database: 'shop',
  table: 'kafka_outbox',
  tls: { enabled: false, verify: true },
  poolSize: 7,
};

describe('node-postgres options', () => {
  it('connects without TLS when TLS is off', () => {
    expect(clientConfig(config).ssl).toBe(false);
  });

  it('verifies the server certificate when TLS is on and verification is asked', () => {
    expect(clientConfig({ ...config, tls: { enabled: true, verify: true } }).ssl).toEqual({
      rejectUnauthorized: true,
    });
  });

  it('accepts any certificate when verification is off', () => {
    expect(clientConfig({ ...config, tls: { enabled: true, verify: false } }).ssl).toEqual({
      rejectUnauthorized: false,
    });
  });

  it('sizes the pool from the configuration', () => {
    expect(poolConfig(config)).toMatchObject({ max: 7, database: 'shop', host: 'db', port: 5432 });
  });
});
