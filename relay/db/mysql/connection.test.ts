import type { StoreConfig } from '../store.js';
import { connectionOptions, poolOptions } from './connection.js';

const config: StoreConfig = {
  driver: 'mysql',
  host: 'db',
  port: 3306,
  user: 'relay',
  password: 'secret',
  database: 'shop',
  table: 'kafka_outbox',
  tls: { enabled: false, verify: true },
  poolSize: 7,
};

describe('mysql2 options', () => {
  it('connects without TLS when TLS is off', () => {
    expect(connectionOptions(config).ssl).toBeUndefined();
  });

  it('verifies the server certificate when TLS is on and verification is asked', () => {
    expect(connectionOptions({ ...config, tls: { enabled: true, verify: true } }).ssl).toEqual({
      rejectUnauthorized: true,
    });
  });

  it('accepts any certificate when verification is off', () => {
    expect(connectionOptions({ ...config, tls: { enabled: true, verify: false } }).ssl).toEqual({
      rejectUnauthorized: false,
    });
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
