// PostgreSQL from Debian's packages, as a cluster in our own data folder on our own port.
import { chownSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { daemonServes, portOpen, progress, run, startDaemon, stopDaemon, waitUntil } from './proc.js';
import { bridge } from './node/node-settings.js';
import type { Settings } from './settings.js';
import {
  installServerTls,
  recordStart,
  startedWith,
  startFingerprint,
  type ServerTlsFiles,
} from './server-tls.js';
import { ensureTlsPki } from './tls-pki.js';
import { ownedDir, serviceIdentity, type Identity } from './users.js';

const NAME = 'postgres';

function binDir(s: Settings): string {
  return `/usr/lib/postgresql/${s.versions.postgresMajor}/bin`;
}

export function postgresInstalled(s: Settings): boolean {
  return existsSync(path.join(binDir(s), 'postgres'));
}

/**
 * The server's client authentication, written at every start (not initdb's, which knows only loopback):
 * the local socket trusted, TCP with a password from loopback and from the devenv bridge (pods). Two users
 * are admitted over TLS only: the certificate user with the devenv's client certificate (its CN is the
 * user name), the TLS user with its password.
 */
function writeHba(s: Settings, home: string): string {
  const file = path.join(home, 'pg_hba.conf');
  const { dbCert, dbTls } = s.secureUsers;
  const networks = ['127.0.0.1/32', bridge().subnet];
  writeFileSync(
    file,
    [
      'local all all trust',
      ...networks.flatMap((net) => [
        `hostssl all ${dbCert} ${net} cert`,
        `hostssl all ${dbTls} ${net} scram-sha-256`,
      ]),
      `host all ${dbCert},${dbTls} all reject`,
      'host all all 127.0.0.1/32 scram-sha-256',
      `host all all ${bridge().subnet} scram-sha-256`,
      '',
    ].join('\n'),
  );
  const who = serviceIdentity('postgres');
  if (who.uid !== undefined && who.gid !== undefined) chownSync(file, who.uid, who.gid);
  return file;
}

async function initdb(s: Settings, home: string, data: string, who: Identity): Promise<void> {
  progress(`postgres: initdb ${data}`);
  ownedDir(data, who);
  const pwfile = path.join(home, 'pwfile');
  writeFileSync(pwfile, `${s.password}\n`, { mode: 0o600 });
  if (who.uid !== undefined && who.gid !== undefined) {
    chownSync(pwfile, who.uid, who.gid);
  }
  await run(
    path.join(binDir(s), 'initdb'),
    ['-D', data, '-U', s.user, `--pwfile=${pwfile}`, '--auth-local=trust', '--auth-host=scram-sha-256'],
    { ...who, env: { ...process.env, LC_ALL: 'C.UTF-8' } },
  );
  rmSync(pwfile);
}

function serverArgs(s: Settings, dirs: { data: string; sockets: string; hba: string }, tls: ServerTlsFiles) {
  const settings = [
    // Loopback, and the devenv bridge's gateway, where pods on the real node reach it.
    `listen_addresses=127.0.0.1,${bridge().gateway}`,
    `hba_file=${dirs.hba}`,
    // TLS beside plain connections (hba decides who needs it), with the devenv CA for client certificates.
    'ssl=on',
    `ssl_cert_file=${tls.cert}`,
    `ssl_key_file=${tls.key}`,
    `ssl_ca_file=${tls.ca}`,
    'max_connections=300',
    'shared_buffers=128MB',
    'track_functions=all',
    'shared_preload_libraries=pg_stat_statements',
  ];
  const base = ['-D', dirs.data, '-p', String(s.ports.postgres), '-k', dirs.sockets];
  return [...base, ...settings.flatMap((setting) => ['-c', setting])];
}

export async function postgresUp(s: Settings): Promise<void> {
  const home = path.join(s.state, 'postgres');
  const data = path.join(home, 'data');
  const sockets = path.join(home, 'run');
  const who = serviceIdentity('postgres');
  ownedDir(home, who);
  ownedDir(sockets, who);
  const tls = installServerTls(home, 'postgres', await ensureTlsPki(s), who);
  const hba = writeHba(s, home);
  const args = serverArgs(s, { data, sockets, hba }, tls);
  const fingerprint = startFingerprint(args, [hba, tls.ca, tls.cert, tls.key]);
  if (await daemonServes(s.state, NAME, () => portOpen(s.ports.postgres))) {
    if (startedWith(home, fingerprint)) {
      progress(`postgres: already running on 127.0.0.1:${s.ports.postgres}`);
      return;
    }
    progress('postgres: running with older settings (TLS, pg_hba.conf, arguments); restarting');
    await postgresDown(s);
  }
  if (!existsSync(path.join(data, 'PG_VERSION'))) await initdb(s, home, data, who);
  progress(`postgres: starting on 127.0.0.1 and ${bridge().gateway}, port ${s.ports.postgres}`);
  startDaemon(s.state, {
    name: NAME,
    command: path.join(binDir(s), 'postgres'),
    args,
    ...who,
    env: { ...process.env, LC_ALL: 'C.UTF-8' },
  });
  recordStart(home, fingerprint);
  await waitUntil('postgres to accept connections', () => postgresPing(s), {
    timeoutMs: 30_000,
    state: s.state,
    daemon: NAME,
  });
  await ensureDatabase(s);
  await ensureTlsRoles(s);
  progress('postgres: ready');
}

function client(s: Settings, database = 'postgres'): pg.Client {
  return new pg.Client({
    host: '127.0.0.1',
    port: s.ports.postgres,
    user: s.user,
    password: s.password,
    database,
    connectionTimeoutMillis: 2000,
  });
}

export async function postgresPing(s: Settings): Promise<boolean> {
  const c = client(s);
  c.on('error', () => undefined);
  try {
    await c.connect();
    await c.query('select 1');
    return true;
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function ensureDatabase(s: Settings): Promise<void> {
  const c = client(s);
  await c.connect();
  try {
    const found = await c.query('select 1 from pg_database where datname = $1', [s.database]);
    if (found.rowCount === 0) await c.query(`create database ${s.database}`);
  } finally {
    await c.end();
  }
}

/**
 * The TLS-only users (pg_hba.conf admits them over TLS only): the certificate user has no password, the TLS
 * user the devenv's. Neither owns anything: a test makes one the owner of its own database.
 */
async function ensureTlsRoles(s: Settings): Promise<void> {
  const c = client(s);
  await c.connect();
  try {
    const { dbCert, dbTls } = s.secureUsers;
    for (const role of [dbCert, dbTls]) {
      const found = await c.query('select 1 from pg_roles where rolname = $1', [role]);
      if (found.rowCount === 0) await c.query(`create role ${role} login`);
    }
    await c.query(`alter role ${dbTls} password '${s.password}'`);
  } finally {
    await c.end();
  }
}

export function postgresDown(s: Settings): Promise<boolean> {
  // postgres treats SIGTERM as a "smart" shutdown that waits for every client; SIGINT is the fast one.
  return stopDaemon(s.state, NAME, { signal: 'SIGINT' });
}

export const postgresDaemons = [NAME];
