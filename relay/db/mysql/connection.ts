// How a StoreConfig becomes mysql2 options: the pool's and those of the dedicated connections (leadership,
// migrations' named lock), which must not come from the pool since they hold session state.
import type mysql from 'mysql2/promise';
import type { StoreConfig } from '../store.js';

export function sslOption(tls: StoreConfig['tls']): mysql.ConnectionOptions['ssl'] {
  if (!tls.enabled) return undefined;
  return { rejectUnauthorized: tls.verify };
}

export function connectionOptions(config: StoreConfig): mysql.ConnectionOptions {
  return {
    host: config.host,
    port: config.port,
    user: config.user,
    password: config.password,
    database: config.database,
    ssl: sslOption(config.tls),
    charset: 'utf8mb4_unicode_ci',
    connectTimeout: 10_000,
    // BIGINT ids beyond 2^53 stay exact: they come back as decimal strings.
    supportBigNumbers: true,
    bigNumberStrings: true,
    // A dead peer is noticed by TCP keepalive even on a connection that sits idle (leadership).
    enableKeepAlive: true,
    keepAliveInitialDelay: 10_000,
    multipleStatements: false,
  };
}

export function poolOptions(config: StoreConfig): mysql.PoolOptions {
  return {
    ...connectionOptions(config),
    connectionLimit: config.poolSize,
    maxIdle: config.poolSize,
    idleTimeout: 30_000,
    waitForConnections: true,
    queueLimit: 0,
  };
}
