// The devenv's own containerd (never the system one): config, root, state and socket under
// <state>/containerd/, the CRI plugin on for the kubelet (namespace k8s.io), and nothing CRI-specific in the
// way of dockerd, which can be pointed at the same socket (dockerd --containerd=<socket>, namespace moby).
// Images come only from archives (importImage): there is no registry.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { daemonRunning, progress, run, startDaemon, stopDaemon, waitUntil } from '../proc.js';
import type { Settings } from '../settings.js';
import { crictlPath } from './kubelet-build.js';
import { criEndpoint, nodePaths } from './node-settings.js';
import { pauseImage } from './pause-image.js';

export const CONTAINERD = 'containerd';
/** The kubelet's images and containers live here; dockerd uses `moby`. */
export const CRI_NAMESPACE = 'k8s.io';

export function containerdSocket(s: Settings): string {
  return nodePaths(s).containerdSocket;
}

export function containerdConfig(s: Settings): string {
  const p = nodePaths(s);
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return `# Written by tools/devenv/node/containerd.ts; rewritten on every start.
version = 2
root = "${p.containerdRoot}"
state = "${p.containerdState}"
oom_score = 0
# Snapshotters this machine cannot back; skipping them keeps the log quiet. overlayfs is the one in use.
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]

[grpc]
  address = "${p.containerdSocket}"

[plugins."io.containerd.internal.v1.opt"]
  # default /opt/containerd: keep even this under the state folder
  path = "${path.join(p.containerdRoot, 'opt')}"

[${cri}]
  sandbox_image = "${pauseImage()}"
  # Nothing here may lower an OOM score (no CAP_SYS_RESOURCE): clamp the kubelet's -998 for sandboxes to
  # containerd's own score instead of failing every sandbox ("can't get final child's PID from pipe").
  restrict_oom_score_adj = true
  # Pod network namespaces under the state folder rather than /var/run/netns.
  netns_mounts_under_state_dir = true
  # containerd 2.x defaults: per-pod sysctls, so a non-root pod may bind ports below 1024 and ping.
  enable_unprivileged_ports = true
  enable_unprivileged_icmp = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [${cri}.cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${p.cniConf}"
    max_conf_num = 1
  [${cri}.containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [${cri}.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [${cri}.containerd.runtimes.runc.options]
        # cgroup v1 with the cgroupfs driver, as the kubelet (no systemd here)
        SystemdCgroup = false
        Root = "${path.join(p.containerdState, 'runc')}"
`;
}

export function ctr(s: Settings, args: string[], namespace = CRI_NAMESPACE): Promise<string> {
  return run('ctr', ['--address', containerdSocket(s), '--namespace', namespace, ...args]);
}

export function crictl(s: Settings, args: string[]): Promise<string> {
  const endpoint = criEndpoint(s);
  return run(crictlPath(s), ['-r', endpoint, '-i', endpoint, '--timeout', '30s', ...args], {
    // no /etc/crictl.yaml is read or needed
    env: { ...process.env, CRI_CONFIG_FILE: '/dev/null' },
  });
}

async function criReady(s: Settings): Promise<boolean> {
  const info = JSON.parse(await crictl(s, ['info'])) as {
    status?: { conditions?: { type: string; status: boolean }[] };
  };
  const conditions = info.status?.conditions ?? [];
  return ['RuntimeReady', 'NetworkReady'].every((t) => conditions.some((c) => c.type === t && c.status));
}

export async function containerdUp(s: Settings): Promise<void> {
  const p = nodePaths(s);
  mkdirSync(p.containerdRoot, { recursive: true, mode: 0o711 });
  mkdirSync(p.containerdState, { recursive: true, mode: 0o711 });
  writeFileSync(p.containerdConfig, containerdConfig(s));
  if (!daemonRunning(s.state, CONTAINERD)) {
    progress(`containerd: starting on ${p.containerdSocket}`);
    startDaemon(s.state, {
      name: CONTAINERD,
      command: 'containerd',
      args: ['--config', p.containerdConfig, '--log-level', 'warn'],
    });
  }
  await waitUntil('containerd CRI to report RuntimeReady and NetworkReady', () => criReady(s), {
    timeoutMs: 30_000,
    state: s.state,
    daemon: CONTAINERD,
  });
}

/** A reference as containerd stores it: outbox/relay:dev is docker.io/outbox/relay:dev, busybox:1 docker.io/library/busybox:1. */
export function normalizeRef(ref: string): string {
  const first = ref.split('/')[0]!;
  if (ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) return ref;
  return ref.includes('/') ? `docker.io/${ref}` : `docker.io/library/${ref}`;
}

export async function hasImage(s: Settings, ref: string): Promise<boolean> {
  return (await ctr(s, ['images', 'ls', '--quiet'])).split('\n').includes(normalizeRef(ref));
}

/**
 * Loads an image archive (`docker save` or OCI layout tar) into the kubelet's namespace and unpacks it,
 * so pods can run it with imagePullPolicy IfNotPresent or Never (a `:latest` tag would make the kubelet pull).
 */
export async function importImage(s: Settings, tarPath: string): Promise<void> {
  if (!existsSync(tarPath)) throw new Error(`no image archive at ${tarPath}`);
  await ctr(s, ['images', 'import', '--snapshotter', 'overlayfs', tarPath]);
}

/**
 * Removes every pod sandbox through the CRI (stopping its containers, so CNI releases its address and
 * containerd unmounts its network namespace), then stops containerd. Pods are gone; images stay cached.
 */
export async function containerdDown(s: Settings): Promise<boolean> {
  if (daemonRunning(s.state, CONTAINERD)) {
    try {
      const pods = (await crictl(s, ['pods', '--quiet'])).trim();
      if (pods) {
        progress(`containerd: removing ${pods.split('\n').length} pod sandbox(es)`);
        await crictl(s, ['rmp', '--force', '--all']);
      }
    } catch (error) {
      progress(
        `containerd: could not remove pods through the CRI: ${(error as Error).message.split('\n')[0]}`,
      );
    }
  }
  return stopDaemon(s.state, CONTAINERD);
}
