// MariaDB from Debian's packages (standing in for MySQL), in our own data folder on our own port.
import { existsSync } from 'node:fs';
import path from 'node:path';
import mysql from 'mysql2/promise';
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
import { CA_COMMON_NAME, CLIENT_COMMON_NAME, ensureTlsPki } from './tls-pki.js';
import { ownedDir, serviceIdentity } from './users.js';

const NAME = 'mariadb';
const SERVER = '/usr/sbin/mariadbd';

export function mariadbInstalled(): boolean {
  return existsSync(SERVER);
}

function socketPath(s: Settings): string {
  return path.join(s.state, 'mariadb', 'run', 'mysqld.sock');
}

function serverArgs(s: Settings, home: string, tls: ServerTlsFiles): string[] {
  const who = serviceIdentity('mysql');
  return [
    '--no-defaults',
    `--datadir=${path.join(home, 'data')}`,
    ...(who.uid !== undefined ? ['--user=mysql'] : []),
    `--port=${s.ports.mariadb}`,
    // Loopback, and the devenv bridge's gateway, where pods on the real node reach it.
    `--bind-address=127.0.0.1,${bridge().gateway}`,
    `--socket=${socketPath(s)}`,
    `--pid-file=${path.join(home, 'run', 'mariadbd.pid')}`,
    '--skip-name-resolve',
    '--max-connections=300',
    '--innodb-buffer-pool-size=128M',
    '--log-bin=OFF',
    '--character-set-server=utf8mb4',
    '--collation-server=utf8mb4_unicode_ci',
    // TLS beside plain connections (each account says whether it needs it), with the devenv CA for
    // client certificates.
    `--ssl-ca=${tls.ca}`,
    `--ssl-cert=${tls.cert}`,
    `--ssl-key=${tls.key}`,
  ];
}

export async function mariadbUp(s: Settings): Promise<void> {
  const home = path.join(s.state, 'mariadb');
  const data = path.join(home, 'data');
  const who = serviceIdentity('mysql');
  ownedDir(home, who);
  ownedDir(path.join(home, 'run'), who);
  const tls = installServerTls(home, 'mariadb', await ensureTlsPki(s), who);
  const args = serverArgs(s, home, tls);
  const fingerprint = startFingerprint(args, [tls.ca, tls.cert, tls.key]);
  if (await daemonServes(s.state, NAME, () => portOpen(s.ports.mariadb))) {
    if (startedWith(home, fingerprint)) {
      progress(`mariadb: already running on 127.0.0.1:${s.ports.mariadb}`);
      return;
    }
    progress('mariadb: running with older settings (TLS, arguments); restarting');
    await mariadbDown(s);
  }
  if (!existsSync(path.join(data, 'mysql'))) {
    progress(`mariadb: install-db ${data}`);
    ownedDir(data, who);
    await run('mariadb-install-db', [
      '--no-defaults',
      `--datadir=${data}`,
      ...(who.uid !== undefined ? ['--user=mysql'] : []),
      '--auth-root-authentication-method=socket',
      '--skip-test-db',
    ]);
  }
  progress(`mariadb: starting on 127.0.0.1:${s.ports.mariadb}`);
  startDaemon(s.state, { name: NAME, command: SERVER, args });
  recordStart(home, fingerprint);
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
    ...tlsUsers(s),
  ].join(';\n');
  const user = who.uid !== undefined ? 'root' : process.env.USER || 'root';
  await run('mariadb', ['--no-defaults', `--socket=${socketPath(s)}`, '-u', user], { input: `${sql};\n` });
}

/**
 * The TLS-only accounts, with the devenv's password: one admitted over TLS only, one only with the devenv's
 * client certificate (its subject and issuer). They own nothing: a test grants one its own database.
 */
function tlsUsers(s: Settings): string[] {
  const { dbCert, dbTls } = s.secureUsers;
  const cert = `REQUIRE SUBJECT '/CN=${CLIENT_COMMON_NAME}' AND ISSUER '/CN=${CA_COMMON_NAME}'`;
  return [
    [dbTls, 'REQUIRE SSL'],
    [dbCert, cert],
  ].flatMap(([user, require]) => [
    `CREATE USER IF NOT EXISTS '${user}'@'%' IDENTIFIED BY '${s.password}' ${require}`,
    `ALTER USER '${user}'@'%' IDENTIFIED BY '${s.password}' ${require}`,
  ]);
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
