// What every local server is reached with. Local, throwaway credentials for loopback-only servers.
import { readFileSync } from 'node:fs';
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
  return JSON.parse(readFileSync(path.join(repoRoot, 'test/devenv/versions.json'), 'utf8')) as Versions;
}

export interface Settings {
  state: string;
  cache: string;
  ports: Ports;
  versions: Versions;
  user: string;
  password: string;
  database: string;
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
  };
}
