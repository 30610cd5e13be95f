// How a StoreConfig becomes mysql2 options: the pool's and those of the dedicated connections (leadership,
// migrations' named lock), which must not come from the pool since they hold session state. The password
// and a client key are non-enumerable in every options object (mysql2 reads them by name).
import type mysql from 'mysql2/promise';
import { hideSecret } from '../../redact.js';
import type { StoreConfig } from '../store.js';

/**
 * The TLS modes as mysql2's options: VERIFY_CA checks the chain only (verifyIdentity off, what mysql2 did
 * before), VERIFY_IDENTITY also the host name (config/security.ts allows it for host names only: for an
 * IP address mysql2 would compare the certificate with "localhost").
 */
export function sslOption(tls: StoreConfig['tls']): mysql.ConnectionOptions['ssl'] {
  if (tls.mode === 'disable') return undefined;
  const ssl: mysql.SslOptions = {
    rejectUnauthorized: tls.mode !== 'require',
    ...(tls.mode === 'require' ? {} : { verifyIdentity: tls.mode === 'verify-full' }),
    ...(tls.ca ? { ca: tls.ca.pem } : {}),
    ...(tls.cert ? { cert: tls.cert.pem } : {}),
  };
  return tls.key ? hideSecret(ssl, 'key', tls.key.pem) : ssl;
}

export function connectionOptions(config: StoreConfig): mysql.ConnectionOptions {
  const options: mysql.ConnectionOptions = {
    host: config.host,
    port: config.port,
    user: config.user,
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
  return hideSecret(options, 'password', config.password);
}

export function poolOptions(config: StoreConfig): mysql.PoolOptions {
  // Added to the connection options rather than spread: a spread would drop the non-enumerable password.
  return Object.assign(connectionOptions(config), {
    connectionLimit: config.poolSize,
    maxIdle: config.poolSize,
    idleTimeout: 30_000,
    waitForConnections: true,
    queueLimit: 0,
  });
}
