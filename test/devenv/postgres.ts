// PostgreSQL from Debian's packages, as a cluster in our own data folder on our own port.
import { chownSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { daemonRunning, portOpen, progress, run, startDaemon, stopDaemon, waitUntil } from './proc.js';
import type { Settings } from './settings.js';
import { ownedDir, serviceIdentity } from './users.js';

const NAME = 'postgres';

function binDir(s: Settings): string {
  return `/usr/lib/postgresql/${s.versions.postgresMajor}/bin`;
}

export function postgresInstalled(s: Settings): boolean {
  return existsSync(path.join(binDir(s), 'postgres'));
}

export async function postgresUp(s: Settings): Promise<void> {
  const home = path.join(s.state, 'postgres');
  const data = path.join(home, 'data');
  const sockets = path.join(home, 'run');
  const who = serviceIdentity('postgres');
  if (daemonRunning(s.state, NAME) && (await portOpen(s.ports.postgres))) {
    progress(`postgres: already running on 127.0.0.1:${s.ports.postgres}`);
    return;
  }
  ownedDir(home, who);
  ownedDir(sockets, who);
  if (!existsSync(path.join(data, 'PG_VERSION'))) {
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
  progress(`postgres: starting on 127.0.0.1:${s.ports.postgres}`);
  startDaemon(s.state, {
    name: NAME,
    command: path.join(binDir(s), 'postgres'),
    args: [
      '-D',
      data,
      '-p',
      String(s.ports.postgres),
      '-k',
      sockets,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'max_connections=300',
      '-c',
      'shared_buffers=128MB',
      '-c',
      'track_functions=all',
      '-c',
      'shared_preload_libraries=pg_stat_statements',
    ],
    ...who,
    env: { ...process.env, LC_ALL: 'C.UTF-8' },
  });
  await waitUntil('postgres to accept connections', () => postgresPing(s), {
    timeoutMs: 30_000,
    state: s.state,
    daemon: NAME,
  });
  await ensureDatabase(s);
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

export function postgresDown(s: Settings): Promise<boolean> {
  // postgres treats SIGTERM as a "smart" shutdown that waits for every client; SIGINT is the fast one.
  return stopDaemon(s.state, NAME, { signal: 'SIGINT' });
}

export const postgresDaemons = [NAME];
