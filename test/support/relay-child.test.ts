// The soak kills relays with SIGKILL and must kill the relay itself, not a launcher in front of it: the
// process running relay/main.ts is the child we hold, and after SIGKILL no relay of ours is left running.
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnRelayChild } from './relay-child.js';

/** Pids of the processes below `root` (itself included) whose command line runs relay/main.ts. */
function relaysUnder(root: number): number[] {
  const parents = new Map<number, number>();
  const commands = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      parents.set(pid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      commands.set(pid, readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '));
    } catch {
      // The process ended while we looked.
    }
  }
  const below = (pid: number): boolean =>
    pid === root || (parents.has(pid) && pid > 1 && below(parents.get(pid)!));
  return [...commands]
    .filter(([pid, cmd]) => cmd.includes('relay/main.ts') && below(pid))
    .map(([pid]) => pid);
}

describe('a relay child process', () => {
  it('is the relay itself, so that SIGKILL leaves no relay running', async () => {
    // No server is needed: the relay serves HTTP at once and keeps retrying an unreachable database.
    const relay = spawnRelayChild(
      'relay-child-test',
      ['run'],
      {
        DB_DRIVER: 'postgres',
        DB_HOST: '127.0.0.1',
        DB_PORT: '1',
        DB_USER: 'nobody',
        DB_NAME: 'nothing',
        KAFKA_HOST: '127.0.0.1:1',
        HTTP_PORT: '0',
        POLLING_DISABLED: 'true',
        LOG_LEVEL: 'info',
      },
      mkdtempSync(path.join(os.tmpdir(), 'relay-child-')),
    );
    await relay.started;
    const pid = relay.child.pid!;
    const relays = relaysUnder(pid);
    expect(relays).toEqual([pid]);
    relay.child.kill('SIGKILL');
    expect(await relay.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(relays.filter((p) => existsSync(`/proc/${p}`))).toEqual([]);
  });
});
