// The exports the local servers are reached with: .devenv/env.sh for shells, .devenv/env.json for code.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DOCKER_CLIENT, dockerHost } from './docker.js';
import { kafkaBrokers, kafkaPodBrokers } from './kafka.js';
import { bridge, criEndpoint, NODE_NAME } from './node/node-settings.js';
import { adminKubeconfig, kubectlPath } from './kube.js';
import { secureExports } from './secure-exports.js';
import type { Settings } from './settings.js';

export type DevenvExports = Record<string, string>;

export function devenvExports(s: Settings): DevenvExports {
  return {
    PGHOST: '127.0.0.1',
    PGPORT: String(s.ports.postgres),
    PGUSER: s.user,
    PGPASSWORD: s.password,
    PGDATABASE: s.database,
    MYSQL_HOST: '127.0.0.1',
    MYSQL_PORT: String(s.ports.mariadb),
    MYSQL_USER: s.user,
    MYSQL_PASSWORD: s.password,
    MYSQL_DATABASE: s.database,
    KAFKA_BROKERS: kafkaBrokers(s),
    KUBECONFIG: adminKubeconfig(s),
    KUBECTL: kubectlPath(s),
    DOCKER_HOST: dockerHost(s),
    DOCKER: DOCKER_CLIENT,
    // The real node: its name, its CRI socket (crictl), and where its pods reach the local servers.
    OUTBOX_RELAY_DEVENV_NODE: NODE_NAME,
    CONTAINER_RUNTIME_ENDPOINT: criEndpoint(s),
    POD_GATEWAY: bridge().gateway,
    KAFKA_POD_BROKERS: kafkaPodBrokers(s),
    // TLS and SASL: the devenv CA, Kafka's secure listeners and their users, the databases' TLS users.
    ...secureExports(s),
  };
}

export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function envSh(exports: DevenvExports): string {
  const lines = Object.entries(exports).map(([k, v]) => `export ${k}=${shellQuote(v)}`);
  return ['# Written by `npm run devenv -- up`: the local servers of kafka-outbox-relay.', ...lines, ''].join(
    '\n',
  );
}

export function writeEnvFiles(s: Settings): DevenvExports {
  const exports = devenvExports(s);
  mkdirSync(s.state, { recursive: true });
  writeFileSync(path.join(s.state, 'env.sh'), envSh(exports));
  writeFileSync(path.join(s.state, 'env.json'), `${JSON.stringify(exports, null, 2)}\n`);
  return exports;
}

export function readEnvJson(s: Settings): DevenvExports | undefined {
  const file = path.join(s.state, 'env.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as DevenvExports) : undefined;
}
