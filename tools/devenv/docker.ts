// The container engine: Debian's docker.io (dockerd with its own containerd and runc), a daemon of the
// devenv's like the others. Its socket and run state sit in the devenv's state folder; its data (images,
// BuildKit's cache) in the cache folder, so a fresh clone reuses built images and layers.
//
// Networking: containers join the devenv's one private bridge (outbox0, created by cniUp before dockerd
// starts; nodeDown removes it, after dockerDown) in the first quarter of its subnet, .2-.63 of the /24, below
// the range CNI hands pods (.64 up). Published ports bind loopback only (--ip=127.0.0.1) and reach the
// container through docker-proxy, the userland proxy: dockerd touches no iptables rule and no kernel
// setting (--iptables=false, --ip-forward=false, no masquerading), and cni.ts's FORWARD guard drops
// anything routed out of the bridge, so a container reaches this machine and nothing beyond it. That is
// what testcontainers needs (published ports); builds and the image tests still pass --network=host.
//
// The client is the Debian package's own /usr/bin/docker, of the engine's version: a newer client earlier
// on PATH refuses BuildKit builds without its buildx plugin.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { bridge, type Bridge } from './node/node-settings.js';
import { CommandError, daemonRunning, progress, run, startDaemon, stopDaemon, waitUntil } from './proc.js';
import { unmountUnder } from './node/host-state.js';
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

/** The engine's client; `env` adds to the environment it runs with (`docker run -e NAME` reads it). */
export function docker(
  s: Settings,
  args: string[],
  options: { input?: string; env?: Record<string, string> } = {},
): Promise<string> {
  const { env, ...rest } = options;
  return run(DOCKER_CLIENT, args, { env: { ...dockerEnv(s), ...env }, ...rest });
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

/** The part of the bridge's /24 that dockerd hands containers: .0/26 (.2-.63; .1 is the gateway). */
export function containerCidr(b: Bridge): string {
  return b.subnet.replace(/\.0\/24$/, '.0/26');
}

/** dockerd's network flags: the devenv bridge, loopback-only published ports, no iptables, no forwarding. */
export function networkArgs(b: Bridge): string[] {
  return [
    `--bridge=${b.name}`,
    `--fixed-cidr=${containerCidr(b)}`,
    '--ip=127.0.0.1',
    '--iptables=false',
    '--ip-forward=false',
    '--ip-masq=false',
    '--userland-proxy=true',
  ];
}

async function bridgeExists(b: Bridge): Promise<boolean> {
  try {
    await run('ip', ['link', 'show', 'dev', b.name]);
    return true;
  } catch (error) {
    if (error instanceof CommandError) return false;
    throw error;
  }
}

function daemonArgs(s: Settings, b: Bridge): string[] {
  const d = dirs(s);
  return [
    `--host=${dockerHost(s)}`,
    `--data-root=${d.data}`,
    `--exec-root=${d.exec}`,
    `--pidfile=${path.join(d.home, 'dockerd.pid')}`,
    ...networkArgs(b),
  ];
}

/** Where the arguments dockerd was last started with are kept, to notice a change (an older devenv's). */
const startedArgsFile = (s: Settings) => path.join(dirs(s).home, 'started-with.json');

export async function dockerUp(s: Settings): Promise<void> {
  const b = bridge();
  const args = daemonArgs(s, b);
  if (daemonRunning(s.state, NAME) && (await dockerPing(s))) {
    const file = startedArgsFile(s);
    if (existsSync(file) && readFileSync(file, 'utf8') === JSON.stringify(args)) {
      progress('docker: already running');
      return;
    }
    // dockerd runs no long-lived container of the devenv's; a restart costs a few seconds.
    progress('docker: running with older arguments (networking); restarting');
    await dockerDown(s);
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
  if (!(await bridgeExists(b))) {
    throw new Error(`docker: the devenv bridge ${b.name} is missing (up() creates it with cniUp first)`);
  }
  progress('docker: starting dockerd');
  startDaemon(s.state, { name: NAME, command: DOCKERD, args });
  writeFileSync(startedArgsFile(s), JSON.stringify(args));
  await waitUntil('dockerd to answer', () => dockerPing(s), {
    timeoutMs: 60_000,
    state: s.state,
    daemon: NAME,
  });
  progress(`docker: ready on ${dockerHost(s)}`);
}

export async function dockerDown(s: Settings): Promise<boolean> {
  // dockerd stops its containers (10 s each at most) and its containerd before it exits, but leaves its
  // network namespace bind mounts (exec root/netns) mounted: they would keep the state folder busy.
  const stopped = await stopDaemon(s.state, NAME, { graceMs: 30_000 });
  const left = await unmountUnder([dirs(s).exec]);
  if (left.length > 0) progress(`docker: unmounted ${left.length} leftover mount(s)`);
  return stopped;
}
