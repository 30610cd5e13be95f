// What every local server is reached with. Local, throwaway credentials for loopback-only servers.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { cacheRoot, repoRoot, stateRoot } from './paths.js';
import type { NodeImageVersions } from './base-image.js';
import { ports, type Ports } from './ports.js';

export interface Versions {
  debianPackages: string[];
  postgresMajor: number;
  kafka: { version: string; scala: string; slf4j: string };
  kubernetes: { version: string; stagingVersion: string; etcd: string; kwok: string };
  nodeImage: NodeImageVersions;
}

export function versions(): Versions {
  return JSON.parse(readFileSync(path.join(repoRoot, 'tools/devenv/versions.json'), 'utf8')) as Versions;
}

export interface Settings {
  state: string;
  cache: string;
  ports: Ports;
  versions: Versions;
  user: string;
  password: string;
  database: string;
  /** Names and addresses the servers' TLS certificates carry beside 127.0.0.1 and localhost. */
  tlsSans: string[];
  /** The users of the TLS listeners and of the databases' TLS-only accounts. */
  secureUsers: SecureUsers;
}

export interface SecureUsers {
  /** Kafka SASL_SSL, SCRAM-SHA-512 and SCRAM-SHA-256. */
  scram: { username: string; password: string };
  /** Kafka SASL_SSL, PLAIN. */
  plain: { username: string; password: string };
  /** PostgreSQL and MariaDB: a password user admitted over TLS only (password: the devenv's). */
  dbTls: string;
  /** PostgreSQL and MariaDB: a user that must present the devenv's client certificate (CN=outbox_cert). */
  dbCert: string;
}

const NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/**
 * OUTBOX_RELAY_DEVENV_TLS_SANS: comma-separated addresses or host names the servers' certificates carry
 * beside 127.0.0.1 and localhost, e.g. the bridge gateway 10.244.77.1 that pods reach the servers at.
 */
export function tlsSans(env: NodeJS.ProcessEnv = process.env): string[] {
  const names = (env.OUTBOX_RELAY_DEVENV_TLS_SANS ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  for (const name of names) {
    if (isIP(name) === 0 && !NAME.test(name)) {
      throw new Error(`OUTBOX_RELAY_DEVENV_TLS_SANS must list IP addresses or host names, got "${name}"`);
    }
  }
  return names;
}

export function settings(env: NodeJS.ProcessEnv = process.env): Settings {
  return {
    state: stateRoot(env),
    cache: cacheRoot(env),
    ports: ports(env),
    versions: versions(),
    user: 'outbox',
    password: 'outbox-local-only',
    database: 'outbox',
    tlsSans: tlsSans(env),
    secureUsers: {
      scram: { username: 'outbox_scram', password: 'outbox-scram-local-only' },
      plain: { username: 'outbox_plain', password: 'outbox-plain-local-only' },
      dbTls: 'outbox_tls',
      dbCert: 'outbox_cert',
    },
  };
}
