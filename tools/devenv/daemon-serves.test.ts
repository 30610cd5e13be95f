import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { daemonRunning, daemonServes, startDaemon, stopDaemon } from './proc.js';

describe('a daemon that runs but does not serve yet', () => {
  let state: string;
  beforeEach(() => {
    state = mkdtempSync(path.join(os.tmpdir(), 'daemon-serves-'));
  });
  afterEach(async () => {
    await stopDaemon(state, 'server', { graceMs: 1000 });
    rmSync(state, { recursive: true, force: true });
  });

  it('is waited for until it serves, and left running: no second one is started', async () => {
    const pid = startDaemon(state, { name: 'server', command: 'sleep', args: ['30'] });
    let checks = 0;
    expect(await daemonServes(state, 'server', async () => ++checks >= 3, 10_000)).toBe(true);
    expect(checks).toBe(3);
    expect(daemonRunning(state, 'server')).toBe(true);
    expect(pid).toBeGreaterThan(0);
  });

  it('is stopped when it still does not serve after the timeout, so that it can be started again', async () => {
    startDaemon(state, { name: 'server', command: 'sleep', args: ['30'] });
    expect(await daemonServes(state, 'server', async () => false, 300)).toBe(false);
    expect(daemonRunning(state, 'server')).toBe(false);
  });

  it('is not waited for when none runs', async () => {
    let checks = 0;
    expect(await daemonServes(state, 'server', async () => (++checks, true))).toBe(false);
    expect(checks).toBe(0);
  });
});
