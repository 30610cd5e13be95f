// The relay as its own process, the way a container runs it: `node dist/relay/main.js run` (after
// `npm run build`), or from source through tsx's loader in the same single process (`--relay-from=source`,
// for the smoke tests, which do not build). Either way the pid is node's own, so /proc reads the relay,
// and it runs with the NODE_OPTIONS of the relay image.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { keyValues, parseDockerfile } from '../../tools/deploy/dockerfile.js';
import { freePort } from '../../test/support/operator.js';
import { eventually } from '../../test/support/servers.js';
import { repoRoot } from './paths.js';

export type RelayFrom = 'dist' | 'source';
export const RELAY_FROM = ['dist', 'source'] as const;

export interface RelayChild {
  pid: number;
  httpPort: number;
  output(): string;
  /** Resolves once the relay logged that it publishes (it leads, or publishes its shares): performance.now() s. */
  leading: Promise<number>;
  exited: Promise<number | null>;
  /** SIGTERM, then waits for the exit (the in-flight batch is finished and resolved first). */
  stop(): Promise<number | null>;
}

export function relayArgs(from: RelayFrom, command: string[], cpuProfileDir?: string): string[] {
  const profile = cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : [];
  if (from === 'source')
    return [...profile, '--import', 'tsx', path.join(repoRoot, 'relay/main.ts'), ...command];
  const main = path.join(repoRoot, 'dist/relay/main.js');
  if (!existsSync(main))
    throw new Error(`${main} is missing: run \`npm run build\` first (the bench:* scripts do)`);
  return [...profile, main, ...command];
}

/** NODE_OPTIONS of the relay image (the last ENV of Dockerfile.relay's final stage setting it). */
export function imageNodeOptions(): string {
  const stages = parseDockerfile(readFileSync(path.join(repoRoot, 'Dockerfile.relay'), 'utf8')).stages;
  let options = '';
  for (const ins of stages.at(-1)?.instructions ?? []) {
    if (ins.keyword === 'ENV') options = keyValues(ins.args).NODE_OPTIONS ?? options;
  }
  return options;
}

/** The relay runs with the image's Node.js options, so that its footprint is the one it ships with. */
export const RELAY_NODE_OPTIONS = imageNodeOptions();

function spawnRelay(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, args, {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_OPTIONS: RELAY_NODE_OPTIONS,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs a one-shot relay command (migrate, status) to its end; throws with its output if it fails. */
export async function runRelayCommand(
  from: RelayFrom,
  command: string[],
  env: Record<string, string>,
): Promise<string> {
  const child = spawnRelay(relayArgs(from, command), env);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`relay ${command.join(' ')} exited ${code}:\n${out.slice(-3000)}`);
  return out;
}

export async function startRelayProcess(
  from: RelayFrom,
  env: Record<string, string>,
  cpuProfileDir?: string,
): Promise<RelayChild> {
  if (cpuProfileDir) mkdirSync(cpuProfileDir, { recursive: true });
  const httpPort = await freePort();
  const child = spawnRelay(relayArgs(from, ['run'], cpuProfileDir), { ...env, HTTP_PORT: String(httpPort) });
  let out = '';
  let onLeading: ((at: number) => void) | undefined;
  const leading = new Promise<number>((resolve) => (onLeading = resolve));
  child.stdout!.on('data', (d: Buffer) => {
    const text = d.toString();
    // Standby mode logs that it leads; shared mode that it publishes its shares (after their read-back).
    if (
      onLeading &&
      (text.includes('leading: publishing') || text.includes('"msg":"publishing its shares"'))
    ) {
      onLeading(performance.now() / 1000);
      onLeading = undefined;
    }
    // Keep the start and the end of the log, not all of it.
    out = out.length > 200_000 ? out.slice(0, 100_000) + text : out + text;
  });
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // A benchmark that fails part way exits through process.exit: the relay must not outlive it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
  await eventually(
    'the relay to answer /readyz',
    async () => {
      if (child.exitCode !== null)
        throw new Error(`the relay exited ${child.exitCode}:\n${out.slice(-3000)}`);
      const res = await fetch(`http://127.0.0.1:${httpPort}/readyz`).catch(() => undefined);
      return res?.status === 200 ? true : undefined;
    },
    60_000,
  );
  return {
    pid: child.pid!,
    httpPort,
    output: () => out,
    leading,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
