// One relay as a real child process, the way a container runs it: `node --import tsx relay/main.ts`.
// Node runs the relay itself, not through tsx's launcher (node_modules/.bin/tsx): the launcher runs the
// relay as a grandchild and only forwards signals, so a SIGKILL sent to it kills the launcher and leaves
// the relay running, orphaned. Here a signal reaches exactly the relay. Output goes to a log file.
import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { spawnRelayNode } from './relay-harness.js';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RelayChild {
  name: string;
  child: ChildProcess;
  exited: Promise<Exit>;
  /** Settles once the relay's signal handlers are in place (it logged that HTTP is listening). */
  started: Promise<void>;
  /**
   * Settles once the relay is ready (its migrations done, its databases and Kafka reachable: /readyz
   * answering 200), or when it exits.
   */
  ready: Promise<void>;
  /** The last lines of its output, for a report. */
  tail(): string;
}

export function spawnRelayChild(
  name: string,
  args: string[],
  env: Record<string, string>,
  logDir: string,
): RelayChild {
  const log = createWriteStream(path.join(logDir, `${name}.log`), { flags: 'a' });
  const child = spawnRelayNode(args, env);
  let recent = '';
  let markStarted!: () => void;
  let markReady!: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const onData = (d: Buffer) => {
    log.write(d);
    recent = (recent + d.toString()).slice(-4000);
    if (recent.includes('HTTP listening')) markStarted();
    if (recent.includes('"msg":"ready"')) markReady();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<Exit>((resolve) =>
    child.once('exit', (code, signal) => {
      log.end();
      markStarted();
      markReady();
      resolve({ code, signal });
    }),
  );
  return { name, child, exited, started, ready, tail: () => recent };
}

/** Sends a signal and waits for the exit; SIGKILL if it has not exited within `graceMs`. */
export async function signalAndWait(
  relay: RelayChild,
  signal: NodeJS.Signals,
  graceMs: number,
): Promise<Exit & { hung: boolean }> {
  if (relay.child.exitCode !== null || relay.child.signalCode !== null)
    return { ...(await relay.exited), hung: false };
  relay.child.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const hung = await Promise.race([
    relay.exited.then(() => false),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), graceMs))),
  ]);
  clearTimeout(timer);
  if (hung) relay.child.kill('SIGKILL');
  return { ...(await relay.exited), hung };
}
