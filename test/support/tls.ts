// The TLS side of the local servers, for the tests: the devenv CA and client certificate, Kafka's secure
// listeners and their users, the databases' TLS-only users (tools/devenv/secure-exports.ts); a CA of the
// test's own that signed nothing the servers trust; a proxy on another loopback address, which reaches a
// server by an address its certificate does not name; and a test database belonging to a TLS-only user.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { issueCertificate, makeCa } from '../../tools/devenv/tls-pki.js';
import {
  collect,
  connectionOf,
  createTestDb,
  insertRows,
  outboxState,
  runCommand,
  type Driver,
  type TestDb,
} from './relay-harness.js';
import { signalAndWait, spawnRelayChild } from './relay-child.js';
import { devenv, eventually, uniqueName, type TestDatabase } from './servers.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

/** An address of this machine that no devenv certificate names (all of 127.0.0.0/8 is loopback). */
export const UNNAMED_ADDRESS = '127.0.0.2';

export function secureExport(key: string): string {
  const value = devenv()[key];
  if (value === undefined) throw new Error(`${key} is missing from the local servers' exports`);
  return value;
}

export interface Stranger {
  /** A CA that signed none of the servers' certificates. */
  ca: string;
  /** A client certificate (CN=outbox_cert, the name the servers expect) signed by that CA, and its key. */
  cert: string;
  key: string;
  remove(): void;
}

export async function strangerPki(): Promise<Stranger> {
  const dir = mkdtempSync(path.join(tmpdir(), 'stranger-pki-'));
  await makeCa(dir, 'ca', 'a-stranger-ca');
  const ca = { cert: path.join(dir, 'ca.crt'), key: path.join(dir, 'ca.key') };
  await issueCertificate({ dir, stem: 'client', commonName: 'outbox_cert', ca, usage: 'client' });
  return {
    ca: ca.cert,
    cert: path.join(dir, 'client.crt'),
    key: path.join(dir, 'client.key'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A proxy on UNNAMED_ADDRESS to `host:port`. */
export function unnamedProxy(hostPort: string): Promise<TcpProxy> {
  const at = hostPort.lastIndexOf(':');
  return startTcpProxy(
    { host: hostPort.slice(0, at), port: Number(hostPort.slice(at + 1)) },
    UNNAMED_ADDRESS,
  );
}

export type SecureUser = 'tls' | 'cert';

/**
 * A database of its own, made by the admin user over a plain connection and handed to a TLS-only user:
 * owned by it on PostgreSQL, all privileges on it on MariaDB. `db` is that user's view of it; `admin` the
 * admin's, which reaches it without TLS (to write rows as an application would, and read their state).
 */
export async function createSecureTestDb(
  driver: Driver,
  prefix: string,
  who: SecureUser,
): Promise<{ database: TestDatabase<object>; db: TestDb; admin: TestDb }> {
  const { database, db: admin } = await createTestDb(driver, prefix);
  const key = `${driver === 'postgres' ? 'PG' : 'MYSQL'}_${who === 'tls' ? 'TLS' : 'CERT'}`;
  const user = secureExport(`${key}_USER`);
  // The PostgreSQL certificate user has no password: its certificate is its credential.
  const password = devenv()[`${key}_PASSWORD`] ?? '';
  if (driver === 'postgres') {
    const c = new pg.Client(connectionOf(admin));
    await c.connect();
    await c.query(`alter database ${admin.name} owner to ${user}`).finally(() => c.end());
  } else {
    const c = await mysql.createConnection(connectionOf({ ...admin, name: undefined }));
    await c.query(`GRANT ALL PRIVILEGES ON \`${admin.name}\`.* TO '${user}'@'%'`).finally(() => c.end());
  }
  return { database, db: { ...admin, user, password }, admin };
}

/**
 * Runs the relay until it has published rows written after it became ready (the collector sees them and
 * the table marks them published), runs `during` while it is still up, then stops it with SIGTERM.
 * Resolves with its exit status.
 */
export async function publishThrough(
  env: Record<string, string>,
  options: { admin: TestDb; topic: string; rows?: number; during?: () => Promise<void> },
): Promise<number | null> {
  const logDir = mkdtempSync(path.join(tmpdir(), 'tls-relay-'));
  // spawnRelayChild knows the relay is ready from its info line.
  const relay = spawnRelayChild(uniqueName('relay'), [], { ...env, LOG_LEVEL: 'info' }, logDir);
  try {
    await relay.ready;
    if (relay.child.exitCode !== null) throw new Error(`the relay exited early:\n${relay.tail()}`);
    const collector = await collect([options.topic]);
    try {
      const rows = Array.from({ length: options.rows ?? 3 }, (_, i) => ({
        topic: options.topic,
        key: `k${i}`,
      }));
      const ids = await insertRows(options.admin, rows);
      const got = await collector.waitFor(ids.length);
      expect(got.map((m) => m.id).sort()).toEqual([...ids].sort());
      await eventually('the rows marked published', async () =>
        (await outboxState(options.admin)).every((r) => r.published) ? true : undefined,
      );
      await options.during?.();
    } finally {
      await collector.stop();
    }
  } finally {
    await signalAndWait(relay, 'SIGTERM', 20_000);
    rmSync(logDir, { recursive: true, force: true });
  }
  return (await relay.exited).code;
}

/** Runs the relay expecting it to stop on a configuration error (exit status 2); its output. */
export async function configurationError(env: Record<string, string>): Promise<string> {
  const { code, output } = await runCommand([], env);
  if (code !== 2) throw new Error(`expected exit status 2, got ${String(code)}:\n${output.slice(-3000)}`);
  return output;
}
