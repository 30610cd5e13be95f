// Process plumbing for the local servers: run a command to completion, start a detached daemon with its
// own log and pid file, stop it (its whole process group), and wait for readiness with a deadline.
import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export function progress(message: string): void {
  process.stderr.write(`[devenv] ${message}\n`);
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  uid?: number;
  gid?: number;
  input?: string;
  /** Stream the command's output to our stderr (long builds), instead of capturing it. */
  inherit?: boolean;
}

export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly output: string,
  ) {
    super(`command failed (exit ${exitCode}): ${command}\n${output.slice(-4000)}`);
    this.name = 'CommandError';
  }
}

export function run(command: string, args: string[], options: RunOptions = {}): Promise<string> {
  const shown = [command, ...args].join(' ');
  if (options.inherit) {
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, {
        cwd: options.cwd,
        env: options.env ?? process.env,
        uid: options.uid,
        gid: options.gid,
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve('') : reject(new CommandError(shown, code, ''))));
    });
  }
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? process.env,
        uid: options.uid,
        gid: options.gid,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error) {
          const code = typeof error.code === 'number' ? error.code : null;
          reject(new CommandError(shown, code, `${stdout}${stderr}`));
        } else {
          resolve(stdout);
        }
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

export interface DaemonSpec {
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  uid?: number;
  gid?: number;
}

export function pidFile(state: string, name: string): string {
  return path.join(state, 'pids', `${name}.pid`);
}

export function logFile(state: string, name: string): string {
  return path.join(state, 'logs', `${name}.log`);
}

/** Starts a daemon in its own process group, detached from us, output appended to its log file. */
export function startDaemon(state: string, spec: DaemonSpec): number {
  mkdirSync(path.join(state, 'pids'), { recursive: true });
  mkdirSync(path.join(state, 'logs'), { recursive: true });
  const log = openSync(logFile(state, spec.name), 'a');
  try {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      uid: spec.uid,
      gid: spec.gid,
      detached: true,
      stdio: ['ignore', log, log],
    });
    if (child.pid === undefined) throw new Error(`could not start ${spec.name}: ${spec.command}`);
    child.unref();
    writeFileSync(pidFile(state, spec.name), `${child.pid}\n`);
    return child.pid;
  } finally {
    closeSync(log);
  }
}

export function readPid(state: string, name: string): number | undefined {
  const file = pidFile(state, name);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers signal 0; it is not running.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

export function daemonRunning(state: string, name: string): boolean {
  return isAlive(readPid(state, name));
}

/**
 * Whether the daemon runs and serves. One that runs but does not serve yet is being started (by another
 * `up`, or by a soak bringing a server back): it is waited for, never started a second time on the same
 * data. One that still does not serve after `timeoutMs` is stopped, and false returned.
 */
export async function daemonServes(
  state: string,
  name: string,
  serves: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (daemonRunning(state, name)) {
    if (await serves().catch(() => false)) return true;
    if (Date.now() > deadline) {
      progress(`${name}: running but not serving after ${timeoutMs} ms; stopping it to start again`);
      await stopDaemon(state, name);
      return false;
    }
    await sleep(250);
  }
  return false;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/**
 * Sends the daemon its shutdown signal, then SIGKILL to its whole process group after the grace period, so
 * nothing it started is left behind; removes its pid file. Says whether it was running.
 */
export async function stopDaemon(
  state: string,
  name: string,
  options: { signal?: NodeJS.Signals; graceMs?: number } = {},
): Promise<boolean> {
  const pid = readPid(state, name);
  if (pid === undefined) return false;
  const graceMs = options.graceMs ?? 15_000;
  const wasAlive = isAlive(pid);
  if (wasAlive) {
    try {
      process.kill(pid, options.signal ?? 'SIGTERM');
    } catch {
      // already gone
    }
    const deadline = Date.now() + graceMs;
    while (isAlive(pid) && Date.now() < deadline) await sleep(100);
    if (isAlive(pid)) signalGroup(pid, 'SIGKILL');
    while (isAlive(pid)) await sleep(50);
  }
  signalGroup(pid, 'SIGKILL');
  rmSync(pidFile(state, name), { force: true });
  return wasAlive;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export function tail(file: string, lines = 30): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}

/**
 * Polls `check` until it returns true. Fails after `timeoutMs` with the tail of the daemon's log, and at
 * once if the daemon has died.
 */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  options: { timeoutMs: number; state?: string; daemon?: string },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
    }
    const died = options.state && options.daemon && !daemonRunning(options.state, options.daemon);
    if (died || Date.now() > deadline) {
      const log = options.state && options.daemon ? tail(logFile(options.state, options.daemon)) : '';
      const reason = died ? `${options.daemon} exited` : `timed out after ${options.timeoutMs} ms`;
      const last = lastError instanceof Error ? `\nlast error: ${lastError.message}` : '';
      throw new Error(`waiting for ${what}: ${reason}${last}${log ? `\n--- log tail ---\n${log}` : ''}`);
    }
    await sleep(250);
  }
}
