// The servers a soak runs against, all taken from the local servers' settings (so that
// OUTBOX_RELAY_DEVENV_PORT_BASE and OUTBOX_RELAY_DEVENV_DIR point the whole soak, faults included, at a
// separate server set), a database of its own per run, and the stop/start of each server.
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { kafkaDown, kafkaUp } from '../../tools/devenv/kafka.js';
import { mariadbDown, mariadbUp } from '../../tools/devenv/mariadb.js';
import { postgresDown, postgresUp } from '../../tools/devenv/postgres.js';
import { settings, type Settings } from '../../tools/devenv/settings.js';
import { connectionOf, type Driver, type TestDb } from '../support/relay-harness.js';
import { testServers } from '../../tools/devenv/testcontainers/mode.js';

export interface SoakServers {
  settings: Settings;
  brokers: string[];
  /** Connection settings of the driver's server, without a database. */
  server(driver: Driver): Omit<TestDb, 'name'>;
}

export function soakServers(env: NodeJS.ProcessEnv = process.env): SoakServers {
  // Its faults stop and start the devenv's own daemons (a database restart too, which the containers'
  // random ports would not survive), so it never quietly runs on other servers than it stops.
  if (testServers(env) === 'testcontainers') {
    throw new Error(
      "the soak restarts the devenv's servers (Kafka, PostgreSQL, MariaDB daemons) as its faults: it runs on " +
        'the devenv only; run it without TEST_SERVERS=testcontainers',
    );
  }
  const s = settings(env);
  return {
    settings: s,
    brokers: [`127.0.0.1:${s.ports.kafka}`],
    server: (driver) => ({
      driver,
      host: '127.0.0.1',
      port: driver === 'postgres' ? s.ports.postgres : s.ports.mariadb,
      user: s.user,
      password: s.password,
    }),
  };
}

export async function createSoakDatabase(servers: SoakServers, driver: Driver): Promise<TestDb> {
  const name = `soak_${driver === 'postgres' ? 'pg' : 'my'}_${randomBytes(4).toString('hex')}`;
  const server = servers.server(driver);
  if (driver === 'postgres') {
    const admin = new pg.Client({ ...connectionOf(server), database: servers.settings.database });
    await admin.connect();
    try {
      await admin.query(`create database ${name}`);
    } finally {
      await admin.end();
    }
  } else {
    const admin = await mysql.createConnection(connectionOf(server));
    try {
      await admin.query(`CREATE DATABASE \`${name}\``);
    } finally {
      await admin.end();
    }
  }
  return { ...server, name };
}

export async function dropSoakDatabase(servers: SoakServers, db: TestDb): Promise<void> {
  const server = servers.server(db.driver);
  if (db.driver === 'postgres') {
    const admin = new pg.Client({ ...connectionOf(server), database: servers.settings.database });
    await admin.connect();
    try {
      await admin.query(`drop database if exists ${db.name} with (force)`);
    } finally {
      await admin.end();
    }
  } else {
    const admin = await mysql.createConnection(connectionOf(server));
    try {
      await admin.query(`DROP DATABASE IF EXISTS \`${db.name}\``);
    } finally {
      await admin.end();
    }
  }
}

export interface ServerSwitch {
  name: string;
  down(): Promise<unknown>;
  up(): Promise<void>;
}

export function kafkaSwitch(servers: SoakServers): ServerSwitch {
  return { name: 'kafka', down: () => kafkaDown(servers.settings), up: () => kafkaUp(servers.settings) };
}

export function databaseSwitch(servers: SoakServers, driver: Driver): ServerSwitch {
  return driver === 'postgres'
    ? { name: 'postgres', down: () => postgresDown(servers.settings), up: () => postgresUp(servers.settings) }
    : { name: 'mariadb', down: () => mariadbDown(servers.settings), up: () => mariadbUp(servers.settings) };
}
