// How a StoreConfig becomes node-postgres options: the pool's and those of the dedicated connections
// (leadership, LISTEN), which must not come from the pool since they hold session state. The password is
// non-enumerable in every options object (node-postgres hides it the same way in its own).
import type pg from 'pg';
import { hideSecret } from '../../redact.js';
import { secureContextOf } from '../../tls/secure-context.js';
import type { StoreConfig } from '../store.js';

export const APPLICATION_NAME = 'kafka-outbox-relay';

/** PostgreSQL's sslmode meanings as options of tls.connect (node-postgres passes them through). */
export function sslOption(tls: StoreConfig['tls']): pg.ClientConfig['ssl'] {
  if (tls.mode === 'disable') return false;
  const context = secureContextOf(tls);
  const files = context ? { secureContext: context } : {};
  switch (tls.mode) {
    case 'require':
      return { rejectUnauthorized: false, ...files };
    case 'verify-ca':
      // The chain is verified; the host name is not compared with the certificate's names.
      return { rejectUnauthorized: true, checkServerIdentity: () => undefined, ...files };
    case 'verify-full':
      return { rejectUnauthorized: true, ...files };
  }
}

export function clientConfig(config: StoreConfig): pg.ClientConfig {
  const options: pg.ClientConfig = {
    host: config.host,
    port: config.port,
    user: config.user,
    database: config.database,
    ssl: sslOption(config.tls),
    application_name: APPLICATION_NAME,
    connectionTimeoutMillis: 10_000,
    // A dead peer is noticed by TCP keepalive even on a connection that sits idle (leadership, LISTEN).
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  };
  return hideSecret(options, 'password', config.password);
}

export function poolConfig(config: StoreConfig): pg.PoolConfig {
  // Added to the client options rather than spread: a spread would drop the non-enumerable password.
  return Object.assign(clientConfig(config), { max: config.poolSize, idleTimeoutMillis: 30_000 });
}
