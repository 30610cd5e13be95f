// HTTP_PORT that the relay cannot listen on: the default 80 for a user without the privilege (the Go
// relay's default, kept; the image sets 8080), and a port another process holds. Either is a configuration
// error: exit 2 and one line on stderr naming HTTP_PORT. The built relay is run as its bin, as the
// unprivileged user nobody (65534), the way a container without root runs it.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { buildPackage, type BuiltPackage } from '../support/built-package.js';
import { createTestDb, relayEnv, type TestDb } from '../support/relay-harness.js';
import type { TestDatabase } from '../support/servers.js';

const NOBODY = 65534;

/** Runs the built relay's `run` to its exit; stderr apart from stdout (the JSON log). */
function runRelay(
  bin: string,
  env: Record<string, string>,
  user?: number,
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawn(bin, ['run'], {
    env: { PATH: [path.dirname(process.execPath), process.env.PATH ?? ''].join(path.delimiter), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(user === undefined ? {} : { uid: user, gid: user }),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr, stdout })));
}

describe('HTTP_PORT the relay cannot listen on', () => {
  let built: BuiltPackage;
  let database: TestDatabase<object>;
  let db: TestDb;

  beforeAll(async () => {
    built = await buildPackage();
    ({ database, db } = await createTestDb('postgres', 'http_port'));
  }, 300_000);

  afterAll(async () => {
    built?.dispose();
    await database?.drop();
  });

  it('port 80 as a non-root user: exits 2 with one line saying to set HTTP_PORT above 1023', async () => {
    const { HTTP_PORT: _port, ...env } = relayEnv(db);
    const { code, stderr, stdout } = await runRelay(built.relayBin, env, NOBODY);
    expect({ code, stderr }).toEqual({
      code: 2,
      stderr:
        'outbox-relay: HTTP_PORT: cannot listen on port 80: permission denied; a non-root user needs HTTP_PORT above 1023\n',
    });
    expect(stdout).toContain('"setting":"HTTP_PORT"');
    expect(stdout).not.toContain(db.password);
  });

  it('a port another process listens on: exits 2 naming HTTP_PORT', async () => {
    const other = net.createServer();
    await new Promise<void>((resolve) => other.listen(0, resolve));
    const port = (other.address() as net.AddressInfo).port;
    try {
      const { code, stderr } = await runRelay(
        built.relayBin,
        relayEnv(db, { HTTP_PORT: String(port) }),
        NOBODY,
      );
      expect({ code, stderr }).toEqual({
        code: 2,
        stderr: `outbox-relay: HTTP_PORT: cannot listen on port ${port}: another process listens on it; choose another HTTP_PORT\n`,
      });
    } finally {
      other.close();
    }
  });
});
