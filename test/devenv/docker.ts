// The container engine: Debian's docker.io (dockerd with its own containerd and runc), a daemon of the
// devenv's like the others. Its socket and run state sit in the devenv's state folder; its data (images,
// BuildKit's cache) in the cache folder, so a fresh clone reuses built images and layers. It makes no
// bridge and touches no iptables rule: containers use the host's network (loopback only reaches the local
// servers) or none, and builds run with --network=host.
//
// The client is the Debian package's own /usr/bin/docker, of the engine's version: a newer client earlier
// on PATH refuses BuildKit builds without its buildx plugin.
import { existsSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { daemonRunning, progress, run, startDaemon, stopDaemon, waitUntil } from './proc.js';
import type { Settings } from './settings.js';

const NAME = 'dockerd';
export const dockerDaemons = [NAME];
export const DOCKER_CLIENT = '/usr/bin/docker';
const DOCKERD = '/usr/sbin/dockerd';

function dirs(s: Settings) {
  const home = path.join(s.state, 'docker');
  return { home, exec: path.join(home, 'exec'), data: path.join(s.cache, 'docker-data') };
}

export function dockerSocket(s: Settings): string {
  return path.join(dirs(s).home, 'docker.sock');
}

export function dockerHost(s: Settings): string {
  return `unix://${dockerSocket(s)}`;
}

/** The environment a docker client needs to reach this engine, with BuildKit. */
export function dockerEnv(s: Settings, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...base, DOCKER_HOST: dockerHost(s), DOCKER_BUILDKIT: '1' };
}

export function docker(s: Settings, args: string[], options: { input?: string } = {}): Promise<string> {
  return run(DOCKER_CLIENT, args, { env: dockerEnv(s), ...options });
}

/** GET /_ping on the engine's socket: true when it answers OK. */
export function dockerPing(s: Settings): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ socketPath: dockerSocket(s), path: '/_ping', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

export async function dockerUp(s: Settings): Promise<void> {
  if (daemonRunning(s.state, NAME) && (await dockerPing(s))) {
    progress('docker: already running');
    return;
  }
  if (!existsSync(DOCKERD)) throw new Error(`docker: ${DOCKERD} is missing (Debian package docker.io)`);
  const d = dirs(s);
  for (const dir of [d.home, d.exec, d.data]) mkdirSync(dir, { recursive: true });
  // A unix socket path is limited to 107 bytes; containerd's socket goes under the exec root.
  const containerdSocket = path.join(d.exec, 'containerd', 'containerd.sock');
  if (containerdSocket.length > 100) {
    throw new Error(
      `docker: the state folder's path is too long for containerd's socket: ${containerdSocket}`,
    );
  }
  progress('docker: starting dockerd');
  startDaemon(s.state, {
    name: NAME,
    command: DOCKERD,
    args: [
      `--host=${dockerHost(s)}`,
      `--data-root=${d.data}`,
      `--exec-root=${d.exec}`,
      `--pidfile=${path.join(d.home, 'dockerd.pid')}`,
      '--bridge=none',
      '--iptables=false',
      '--ip-forward=false',
      '--ip-masq=false',
      '--userland-proxy=false',
    ],
  });
  await waitUntil('dockerd to answer', () => dockerPing(s), {
    timeoutMs: 60_000,
    state: s.state,
    daemon: NAME,
  });
  progress(`docker: ready on ${dockerHost(s)}`);
}

export async function dockerDown(s: Settings): Promise<boolean> {
  // dockerd stops its containers (10 s each at most) and its containerd before it exits.
  return stopDaemon(s.state, NAME, { graceMs: 30_000 });
}
