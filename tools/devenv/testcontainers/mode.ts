// Which servers the integration suites use: TEST_SERVERS=devenv (the default: the local servers of `npm run
// devenv -- up`) or TEST_SERVERS=testcontainers (PostgreSQL, MySQL and Kafka in containers the jest global
// setup starts: this folder). In the second mode only those three servers' addresses and logins are
// exported; a suite that asks for anything else (Kubernetes, the real node, the devenv CA and its TLS
// users, Kafka's TLS and SASL listeners) fails at once naming the mode, rather than reaching the devenv's
// servers behind the containers' backs.
import type { DevenvExports } from '../env-file.js';
import { readServerExports } from './exports-file.js';

export type TestServers = 'devenv' | 'testcontainers';

export function testServers(env: NodeJS.ProcessEnv = process.env): TestServers {
  const mode = env.TEST_SERVERS ?? 'devenv';
  if (mode !== 'devenv' && mode !== 'testcontainers') {
    throw new Error(`TEST_SERVERS must be devenv or testcontainers, got "${mode}"`);
  }
  return mode;
}

const EXPORT_NAME = /^[A-Z][A-Z0-9_]*$/;

/** The exports, where reading a name the containers do not serve throws, naming the mode. */
export function servedOnly(exports: DevenvExports): DevenvExports {
  return new Proxy(exports, {
    get(target, key, receiver) {
      if (typeof key === 'string' && EXPORT_NAME.test(key) && !Object.hasOwn(target, key)) {
        throw new Error(
          `${key} is not served with TEST_SERVERS=testcontainers (only PostgreSQL, MySQL and Kafka's plain listener): ` +
            'this suite needs the devenv; run it without TEST_SERVERS',
        );
      }
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
}

export function testcontainersExports(env: NodeJS.ProcessEnv = process.env): DevenvExports {
  const exports = readServerExports(env);
  if (!exports) {
    throw new Error(
      "TEST_SERVERS=testcontainers: the containers are not up (the integration project's jest global setup starts them)",
    );
  }
  return servedOnly(exports);
}
