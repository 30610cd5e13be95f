// MariaDB from Debian's packages (standing in for MySQL), in our own data folder on our own port.
import { existsSync } from 'node:fs';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { daemonRunning, portOpen, progress, run, startDaemon, stopDaemon, waitUntil } from './proc.js';
import type { Settings } from './settings.js';
import { ownedDir, serviceIdentity } from './users.js';

const NAME = 'mariadb';
const SERVER = '/usr/sbin/mariadbd';

export function mariadbInstalled(): boolean {
  return existsSync(SERVER);
}

function socketPath(s: Settings): string {
  return path.join(s.state, 'mariadb', 'run', 'mysqld.sock');
}

export async function mariadbUp(s: Settings): Promise<void> {
  const home = path.join(s.state, 'mariadb');
  const data = path.join(home, 'data');
  const who = serviceIdentity('mysql');
  const asUser = who.uid !== undefined ? ['--user=mysql'] : [];
  if (daemonRunning(s.state, NAME) && (await portOpen(s.ports.mariadb))) {
    progress(`mariadb: already running on 127.0.0.1:${s.ports.mariadb}`);
    return;
  }
  ownedDir(home, who);
  ownedDir(path.join(home, 'run'), who);
  const fresh = !existsSync(path.join(data, 'mysql'));
  if (fresh) {
    progress(`mariadb: install-db ${data}`);
    ownedDir(data, who);
    await run('mariadb-install-db', [
      '--no-defaults',
      `--datadir=${data}`,
      ...asUser,
      '--auth-root-authentication-method=socket',
      '--skip-test-db',
    ]);
  }
  progress(`mariadb: starting on 127.0.0.1:${s.ports.mariadb}`);
  startDaemon(s.state, {
    name: NAME,
    command: SERVER,
    args: [
      '--no-defaults',
      `--datadir=${data}`,
      ...asUser,
      `--port=${s.ports.mariadb}`,
      '--bind-address=127.0.0.1',
      `--socket=${socketPath(s)}`,
      `--pid-file=${path.join(home, 'run', 'mariadbd.pid')}`,
      '--skip-name-resolve',
      '--max-connections=300',
      '--innodb-buffer-pool-size=128M',
      '--log-bin=OFF',
      '--character-set-server=utf8mb4',
      '--collation-server=utf8mb4_unicode_ci',
    ],
  });
  await waitUntil('mariadb to accept connections on its socket', () => portOpen(s.ports.mariadb), {
    timeoutMs: 30_000,
    state: s.state,
    daemon: NAME,
  });
  await ensureUser(s);
  await waitUntil('mariadb to accept our user over TCP', () => mariadbPing(s), {
    timeoutMs: 10_000,
    state: s.state,
    daemon: NAME,
  });
  progress('mariadb: ready');
}

async function ensureUser(s: Settings): Promise<void> {
  // root authenticates by socket peer credentials; connect over the socket as the server's own OS user.
  const who = serviceIdentity('mysql');
  const sql = [
    `CREATE USER IF NOT EXISTS '${s.user}'@'%' IDENTIFIED BY '${s.password}'`,
    `CREATE USER IF NOT EXISTS '${s.user}'@'localhost' IDENTIFIED BY '${s.password}'`,
    `GRANT ALL PRIVILEGES ON *.* TO '${s.user}'@'%' WITH GRANT OPTION`,
    `GRANT ALL PRIVILEGES ON *.* TO '${s.user}'@'localhost' WITH GRANT OPTION`,
    `CREATE DATABASE IF NOT EXISTS \`${s.database}\``,
  ].join(';\n');
  const user = who.uid !== undefined ? 'root' : process.env.USER || 'root';
  await run('mariadb', ['--no-defaults', `--socket=${socketPath(s)}`, '-u', user], { input: `${sql};\n` });
}

export async function mariadbPing(s: Settings): Promise<boolean> {
  const c = await mysql.createConnection({
    host: '127.0.0.1',
    port: s.ports.mariadb,
    user: s.user,
    password: s.password,
    database: s.database,
    connectTimeout: 2000,
  });
  try {
    await c.query('SELECT 1');
    return true;
  } finally {
    await c.end();
  }
}

export function mariadbDown(s: Settings): Promise<boolean> {
  return stopDaemon(s.state, NAME, { graceMs: 20_000 });
}

export const mariadbDaemons = [NAME];
