// Each test file gets its own PostgreSQL and MariaDB database, its own topic names and its own namespace,
// so tests never depend on each other's leftovers.
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { readEnvJson, type DevenvExports } from '../../tools/devenv/env-file.js';
import { run } from '../../tools/devenv/proc.js';
import { settings } from '../../tools/devenv/settings.js';
import { testcontainersExports, testServers } from '../../tools/devenv/testcontainers/mode.js';

/** The servers' exports: the devenv's, or with TEST_SERVERS=testcontainers the containers' (tools/devenv/testcontainers/mode.ts). */
export function devenv(): DevenvExports {
  if (testServers() === 'testcontainers') return testcontainersExports();
  if (process.env.PGPORT && process.env.KAFKA_BROKERS && process.env.KUBECONFIG && process.env.KUBECTL) {
    return process.env as DevenvExports;
  }
  const exported = readEnvJson(settings());
  if (!exported) throw new Error('the local servers are not up: run `npm run devenv -- up`');
  return exported;
}

function need(env: DevenvExports, key: string): string {
  const value = env[key];
  if (value === undefined) throw new Error(`${key} is missing from the local servers' exports`);
  return value;
}

/** A name unique to this run: lowercase letters, digits and the separator. */
export function uniqueName(prefix: string, separator = '-'): string {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9]+/g, separator);
  return `${clean}${separator}${randomBytes(4).toString('hex')}`;
}

export interface TestDatabase<C> {
  name: string;
  config: C;
  drop(): Promise<void>;
}

/** The local PostgreSQL server's administrative connection (its own database, PGDATABASE). */
export function devenvPostgres(): pg.ClientConfig {
  const env = devenv();
  return {
    host: need(env, 'PGHOST'),
    port: Number(need(env, 'PGPORT')),
    user: need(env, 'PGUSER'),
    password: need(env, 'PGPASSWORD'),
    database: need(env, 'PGDATABASE'),
  };
}

export async function createPostgresDatabase(prefix: string): Promise<TestDatabase<pg.ClientConfig>> {
  const { database: adminDatabase, ...base } = devenvPostgres();
  const name = uniqueName(`t_${prefix}`, '_');
  const admin = new pg.Client({ ...base, database: adminDatabase });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  return {
    name,
    config: { ...base, database: name },
    async drop() {
      const c = new pg.Client({ ...base, database: adminDatabase });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}

export async function createMysqlDatabase(prefix: string): Promise<TestDatabase<mysql.ConnectionOptions>> {
  const env = devenv();
  const base: mysql.ConnectionOptions = {
    host: need(env, 'MYSQL_HOST'),
    port: Number(need(env, 'MYSQL_PORT')),
    user: need(env, 'MYSQL_USER'),
    password: need(env, 'MYSQL_PASSWORD'),
  };
  const name = uniqueName(`t_${prefix}`, '_');
  const admin = await mysql.createConnection(base);
  try {
    await admin.query(`CREATE DATABASE \`${name}\``);
  } finally {
    await admin.end();
  }
  return {
    name,
    config: { ...base, database: name },
    async drop() {
      const c = await mysql.createConnection(base);
      try {
        await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await c.end();
      }
    },
  };
}

export function kafkaBrokers(): string[] {
  return need(devenv(), 'KAFKA_BROKERS').split(',');
}

export function kafkaClient(clientId: string, level: logLevel = logLevel.ERROR): Kafka {
  return new Kafka({ clientId, brokers: kafkaBrokers(), logLevel: level });
}

export async function withAdmin<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafkaClient('test-admin').admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Creates a topic with a unique name (automatic creation is off on the local broker). */
export async function createTopic(prefix: string, numPartitions = 1): Promise<string> {
  const topic = uniqueName(`t.${prefix}`, '.');
  await withAdmin((admin) =>
    admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor: 1 }], waitForLeaders: true }),
  );
  return topic;
}

export function kubectl(args: string[], input?: string): Promise<string> {
  const env = devenv();
  return run(
    need(env, 'KUBECTL'),
    ['--kubeconfig', need(env, 'KUBECONFIG'), ...args],
    input === undefined ? {} : { input },
  );
}

export interface TestNamespace {
  name: string;
  remove(): Promise<void>;
}

/** A namespace of the test's own, where the API server enforces the restricted Pod Security level. */
export async function createNamespace(prefix: string): Promise<TestNamespace> {
  const name = uniqueName(`t-${prefix}`).slice(0, 63);
  await kubectl(['create', 'namespace', name]);
  await kubectl(['label', 'namespace', name, 'pod-security.kubernetes.io/enforce=restricted']);
  return {
    name,
    async remove() {
      await kubectl(['delete', 'namespace', name, '--wait=false', '--ignore-not-found']);
    },
  };
}

/** Polls until `check` returns a value other than undefined, or fails after the timeout. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
