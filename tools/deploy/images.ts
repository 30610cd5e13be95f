// The two images, built from Dockerfile.relay and Dockerfile.operator by the local engine's BuildKit (once
// per test process; BuildKit's cache makes a rebuild of unchanged sources take seconds), and containers
// run from them. The build gets the host's npm settings and CA bundle as BuildKit secrets, as a user
// behind a registry mirror or a TLS-intercepting proxy would pass them; the host's network lets its RUN
// steps reach the registries the host reaches.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DOCKER_CLIENT, docker as engineDocker, dockerEnv } from '../devenv/docker.js';
import { repoRoot } from '../devenv/paths.js';
import { run } from '../devenv/proc.js';
import { settings } from '../devenv/settings.js';

export const IMAGE_PROGRAMS = ['relay', 'operator'] as const;
export type ImageProgram = (typeof IMAGE_PROGRAMS)[number];

const version = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string })
  .version;

/** The tag each image gets: the names config/manager and the operator's default relay image use. */
export function imageTag(program: ImageProgram): string {
  return `kafka-outbox-relay/${program}:${version}`;
}

/** Runs the engine's own docker client; resolves to its stdout. */
export function docker(args: string[], env: Record<string, string> = {}): Promise<string> {
  return engineDocker(settings(), args, { env });
}

/** The CA bundle and npm settings of this machine, when it has them, as `docker build --secret` flags. */
export function hostBuildSecrets(): string[] {
  const flags: string[] = [];
  const ca = process.env.NODE_EXTRA_CA_CERTS ?? '/etc/ssl/certs/ca-certificates.crt';
  if (existsSync(ca)) flags.push('--secret', `id=ca,src=${ca}`);
  const npmrc = process.env.NPM_CONFIG_USERCONFIG ?? path.join(os.homedir(), '.npmrc');
  if (existsSync(npmrc)) flags.push('--secret', `id=npmrc,src=${npmrc}`);
  return flags;
}

export interface BuildResult {
  tag: string;
  seconds: number;
  output: string;
}

/** `docker build` of one Dockerfile with BuildKit; extra flags after the defaults. */
export async function buildImage(program: ImageProgram, extra: string[] = []): Promise<BuildResult> {
  const started = Date.now();
  const tag = imageTag(program);
  const output = await run(
    DOCKER_CLIENT,
    [
      'build',
      '--progress=plain',
      '--network=host',
      '-f',
      `Dockerfile.${program}`,
      '-t',
      tag,
      `--build-arg=VERSION=${version}`,
      ...hostBuildSecrets(),
      ...extra,
      '.',
    ],
    { cwd: repoRoot, env: dockerEnv(settings()) },
  );
  return { tag, seconds: (Date.now() - started) / 1000, output };
}

let built: Promise<Record<ImageProgram, BuildResult>> | undefined;

/** Both images, built once per process. */
export function ensureImages(): Promise<Record<ImageProgram, BuildResult>> {
  built ??= (async () => {
    const relay = await buildImage('relay');
    const operator = await buildImage('operator');
    return { relay, operator };
  })();
  return built;
}

export interface Container {
  id: string;
  logs(): Promise<string>;
  /** Waits for the container to exit; its exit code. */
  wait(): Promise<number>;
  remove(): Promise<void>;
}

/**
 * Starts a container the way the operator's pods run (the image's user, a read-only root file system,
 * every capability dropped, no new privileges, a writable /tmp) on the host's network. `env` goes through
 * the client's environment (`-e NAME`), so no value shows up in a process list.
 */
export async function runContainer(
  image: string,
  args: string[],
  env: Record<string, string>,
  options: { mounts?: string[]; name?: string } = {},
): Promise<Container> {
  const id = (
    await docker(
      [
        'run',
        '--detach',
        '--network=host',
        '--read-only',
        '--tmpfs=/tmp:rw,size=64m',
        '--cap-drop=ALL',
        '--security-opt=no-new-privileges',
        ...(options.name ? [`--name=${options.name}`] : []),
        ...(options.mounts ?? []).flatMap((m) => ['--volume', m]),
        ...Object.keys(env).flatMap((name) => ['-e', name]),
        image,
        ...args,
      ],
      env,
    )
  ).trim();
  return {
    id,
    logs: () => containerLogs(id),
    wait: async () => Number((await docker(['wait', id])).trim()),
    remove: async () => {
      await docker(['rm', '--force', id]).catch(() => undefined);
    },
  };
}

/** Runs a one-shot command in a container to its end: exit code and output (stdout and stderr). */
export async function runToEnd(
  image: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; output: string }> {
  const container = await runContainer(image, args, env);
  try {
    const code = await container.wait();
    return { code, output: await container.logs() };
  } finally {
    await container.remove();
  }
}

/** What the container wrote, stdout and stderr (`docker logs` replays its stderr on its own stderr). */
export function containerLogs(id: string): Promise<string> {
  return new Promise((resolve) => {
    execFile(
      DOCKER_CLIENT,
      ['logs', id],
      { env: dockerEnv(settings()), maxBuffer: 64 << 20 },
      (error, stdout, stderr) =>
        resolve(`${stdout}${stderr}${error && !stdout && !stderr ? String(error) : ''}`),
    );
  });
}
