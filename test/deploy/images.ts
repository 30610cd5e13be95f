// The two images, replayed from their Dockerfiles into a scratch folder, and how to start their entry
// points there: `/usr/bin/tini` is the binary of the pinned Debian package (from the tools cache), `node`
// this Node.js, image paths map into the stage's folder; processes run as the image's USER when we can
// switch users (root), so they cannot write to their own files, as with a read-only root file system.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../devenv/paths.js';
import { execForm, lastInstruction, parseDockerfile, type Dockerfile } from './dockerfile.js';
import { inImage, replayBuild, type BuiltStage, type StageCache } from './build-steps.js';
import { requireTool } from './tools/tools.js';

export interface ReplayedImage {
  dockerfile: Dockerfile;
  stages: BuiltStage[];
  final: BuiltStage;
  entrypoint: string[];
  cmd: string[];
  /** uid:gid of USER. */
  user: string;
}

export async function replayImage(name: string, scratch: string, cache: StageCache): Promise<ReplayedImage> {
  const dockerfile = parseDockerfile(readFileSync(path.join(repoRoot, name), 'utf8'));
  const stages = await replayBuild(dockerfile, repoRoot, scratch, cache);
  const final = stages.at(-1) as BuiltStage;
  const entrypoint = lastInstruction(final.stage, 'ENTRYPOINT');
  const cmd = lastInstruction(final.stage, 'CMD');
  return {
    dockerfile,
    stages,
    final,
    entrypoint: entrypoint ? execForm(entrypoint.args) : [],
    cmd: cmd ? execForm(cmd.args) : [],
    user: lastInstruction(final.stage, 'USER')?.args ?? '',
  };
}

export function newScratch(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'outbox-image-'));
  // Readable by the image's unprivileged user.
  chmodSync(dir, 0o755);
  return dir;
}

/** tini, copied from the cache (which may sit in a home folder the image's user cannot enter). */
function tiniIn(image: ReplayedImage): string {
  const copy = inImage(image.final.root, '/usr/bin/tini');
  if (!existsSync(copy)) {
    mkdirSync(path.dirname(copy), { recursive: true });
    copyFileSync(requireTool('tini'), copy);
    chmodSync(copy, 0o755);
  }
  return copy;
}

/** The entry point's argv with image paths mapped to this machine. */
export function hostArgv(image: ReplayedImage, args: string[]): string[] {
  return [...image.entrypoint, ...args].map((arg) => {
    if (arg === '/usr/bin/tini') return tiniIn(image);
    if (arg === 'node') return process.execPath;
    if (arg.startsWith('/') && existsSync(inImage(image.final.root, arg)))
      return inImage(image.final.root, arg);
    return arg;
  });
}

export function startEntrypoint(
  image: ReplayedImage,
  args: string[],
  env: Record<string, string> = {},
): ChildProcess {
  const [command, ...rest] = hostArgv(image, args);
  const [uid, gid] = image.user.split(':').map(Number);
  const asUser = process.getuid?.() === 0 ? { uid, gid } : {};
  return spawn(command as string, rest, {
    cwd: inImage(image.final.root, image.final.workdir),
    env: { PATH: process.env.PATH ?? '', ...image.final.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...asUser,
  });
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** Collects the output and waits for the exit, killing the process after the timeout. */
export function untilExit(child: ChildProcess, timeoutMs = 30_000): Promise<Exit> & { output(): string } {
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const done = new Promise<Exit>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, output: `${output}${error.message}` });
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      // Let the pipes drain.
      setImmediate(() => resolve({ code, signal, output }));
    });
  });
  return Object.assign(done, { output: () => output });
}
