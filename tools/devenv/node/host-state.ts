// What a kubelet changes on the host beyond its own folders, put back by nodeDown: the kernel settings it
// forces (vm.overcommit_memory, kernel.panic, kernel.panic_on_oops, ...; recorded before the first start),
// its cgroup tree (under a root of the devenv's own), mounts under the state folder (its rshared root, pod
// volumes, containerd's rootfs and netns mounts) and shims of our containerd. (Its iptables chains and log
// links: kubelet.ts.)
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isAlive, progress, run, sleep } from '../proc.js';
import type { Settings } from '../settings.js';
import { nodePaths } from './node-settings.js';

/** The kubelet's cgroupRoot: its kubepods tree goes below it, apart from any other kubelet's. */
export const CGROUP_ROOT = '/outbox-devenv';

/** The kernel settings the kubelet sets unless protectKernelDefaults (pkg/kubelet/cm setupKernelTunables). */
const KUBELET_SYSCTLS = [
  'vm/overcommit_memory',
  'vm/panic_on_oom',
  'kernel/panic',
  'kernel/panic_on_oops',
  'kernel/keys/root_maxkeys',
  'kernel/keys/root_maxbytes',
];

export function saveSysctls(s: Settings): void {
  const file = nodePaths(s).savedSysctls;
  if (existsSync(file)) return; // a kubelet ran before: these are the values from before it
  const values = Object.fromEntries(
    KUBELET_SYSCTLS.map((k) => [k, readFileSync(`/proc/sys/${k}`, 'utf8').trim()]),
  );
  writeFileSync(file, `${JSON.stringify(values, null, 2)}\n`);
}

export function restoreSysctls(s: Settings): string[] {
  const file = nodePaths(s).savedSysctls;
  if (!existsSync(file)) return [];
  const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  const restored: string[] = [];
  for (const [key, value] of Object.entries(saved)) {
    if (readFileSync(`/proc/sys/${key}`, 'utf8').trim() !== value) {
      writeFileSync(`/proc/sys/${key}`, value);
      restored.push(`${key.replaceAll('/', '.')}=${value}`);
    }
  }
  rmSync(file);
  return restored;
}

/** The mount points of every cgroup v1 hierarchy and the v2 one. */
function cgroupMounts(): string[] {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' '))
    .filter((f) => f[2] === 'cgroup' || f[2] === 'cgroup2')
    .map((f) => f[1]!);
}

/** The kubelet insists that its cgroupRoot exists in every hierarchy; a new cpuset needs cpus and mems. */
export function ensureCgroupRoot(): void {
  for (const mount of cgroupMounts()) {
    const dir = path.join(mount, CGROUP_ROOT);
    mkdirSync(dir, { recursive: true }); // mkdir in a cgroup file system creates the cgroup
    for (const file of ['cpuset.cpus', 'cpuset.mems']) {
      const own = path.join(dir, file);
      if (existsSync(own) && readFileSync(own, 'utf8').trim() === '') {
        writeFileSync(own, readFileSync(path.join(mount, file), 'utf8').trim());
      }
    }
  }
}

/** Removes our cgroup tree depth-first (rmdir only succeeds on empty cgroups: nothing running is touched). */
export function removeCgroupRoot(): string[] {
  const left: string[] = [];
  const remove = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) remove(path.join(dir, entry.name));
    }
    try {
      rmdirSync(dir);
    } catch {
      left.push(dir);
    }
  };
  for (const mount of cgroupMounts()) {
    const dir = path.join(mount, CGROUP_ROOT);
    if (existsSync(dir)) remove(dir);
  }
  return left;
}

/** Mount points at or below `dirs`, deepest first (from /proc/self/mountinfo; octal escapes decoded). */
export function mountsUnder(dirs: string[]): string[] {
  const decode = (p: string) =>
    p.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => decode(line.split(' ')[4] ?? ''))
    .filter((m) => m && dirs.some((d) => m === d || m.startsWith(`${d}/`)))
    .sort((a, b) => b.length - a.length);
}

export async function unmountUnder(dirs: string[]): Promise<string[]> {
  const mounts = mountsUnder(dirs);
  for (const m of mounts) {
    try {
      await run('umount', [m]);
    } catch {
      await run('umount', ['--lazy', m]);
    }
  }
  return mounts;
}

/** containerd-shim-runc-v2 processes started by our containerd (their -address is our socket). */
export function ourShims(s: Settings): number[] {
  const socket = nodePaths(s).containerdSocket;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const i = argv.indexOf('-address');
      if (argv[0]?.endsWith('containerd-shim-runc-v2') && i >= 0 && argv[i + 1] === socket)
        pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

export async function killShims(s: Settings): Promise<number[]> {
  const pids = ourShims(s);
  for (const pid of pids) {
    progress(`containerd: killing leftover shim ${pid}`);
    process.kill(pid, 'SIGKILL');
  }
  while (pids.some(isAlive)) await sleep(50);
  return pids;
}
