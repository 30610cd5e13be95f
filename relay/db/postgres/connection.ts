// How a StoreConfig becomes node-postgres options: the pool's and those of the dedicated connections
// (leadership, LISTEN), which must not come from the pool since they hold session state.
import type pg from 'pg';
import type { StoreConfig } from '../store.js';

export const APPLICATION_NAME = 'kafka-outbox-relay';

export function sslOption(tls: StoreConfig['tls']): pg.ClientConfig['ssl'] {
  if (!tls.enabled) return false;
  return { rejectUnauthorized: tls.verify };
}

export function clientConfig(config: StoreConfig): pg.ClientConfig {
  return {
    host: config.host,
    port: config.port,
    user: config.user,
    password: config.password,
    database: config.database,
    ssl: sslOption(config.tls),
    application_name: APPLICATION_NAME,
    connectionTimeoutMillis: 10_000,
    // A dead peer is noticed by TCP keepalive even on a connection that sits idle (leadership, LISTEN).
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  };
}

export function poolConfig(config: StoreConfig): pg.PoolConfig {
  return {
    ...clientConfig(config),
    max: config.poolSize,
    idleTimeoutMillis: 30_000,
  };
}
