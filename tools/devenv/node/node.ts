// The real node as a devenv module: install (kubelet, crictl and pause image into the cache), up (bridge,
// containerd, kubelet; waits for the Node to be Ready), down (kubelet, pods, containerd, shims, mounts,
// cgroups, bridge; the Node object is deleted so its pods are collected) and status. It needs the control
// plane (kube.ts) running; kwok's simulated node stays beside it for scale tests.
import { existsSync } from 'node:fs';
import { kubectl } from '../kube.js';
import { daemonRunning, progress, waitUntil } from '../proc.js';
import type { Settings } from '../settings.js';
import { cniDown, cniUp } from './cni.js';
import { CONTAINERD, containerdDown, containerdUp, hasImage, importImage } from './containerd.js';
import {
  ensureCgroupRoot,
  killShims,
  removeCgroupRoot,
  restoreSysctls,
  saveSysctls,
  unmountUnder,
} from './host-state.js';
import { buildNodeBinaries, nodeBinariesInstalled } from './kubelet-build.js';
import { KUBELET, kubeletDown, kubeletUp, removeKubeletLeftovers } from './kubelet.js';
import { apiserverKubeletBinding, ensureNodePki, writeKubeletKubeconfig } from './node-pki.js';
import { bridge, NODE_NAME, nodePaths } from './node-settings.js';
import { serviceRouteDown, serviceRouteUp } from './service-route.js';
import { buildPauseImage, pauseImage, pauseImageTar } from './pause-image.js';

export { containerdSocket, importImage } from './containerd.js';
export { apiserverKubeletFlags } from './node-pki.js';
export * from './node-settings.js';

/** Started in this order, stopped in the reverse. */
export const nodeDaemons = [CONTAINERD, KUBELET];

/** A file each Debian package of node/versions.json installs (for system-packages.ts). */
export const NODE_PACKAGE_PROBES: Record<string, string> = {
  containerd: '/usr/bin/containerd',
  runc: '/usr/sbin/runc',
  'containernetworking-plugins': '/usr/lib/cni/bridge',
  iptables: '/usr/sbin/iptables',
  iproute2: '/usr/sbin/ip',
  gcc: '/usr/bin/gcc',
  'libc6-dev': '/usr/lib/x86_64-linux-gnu/libc.a',
};

export function nodeInstalled(s: Settings): boolean {
  return nodeBinariesInstalled(s) && existsSync(pauseImageTar(s));
}

export async function nodeInstall(s: Settings): Promise<void> {
  const missing = Object.entries(NODE_PACKAGE_PROBES).filter(([, file]) => !existsSync(file));
  if (missing.length > 0) {
    const names = missing.map(([name]) => name).join(' ');
    throw new Error(
      `the real node needs Debian packages: apt-get install -y --no-install-recommends ${names}`,
    );
  }
  await buildNodeBinaries(s);
  await buildPauseImage(s);
}

async function nodeCondition(s: Settings, type: string): Promise<string> {
  const path = `jsonpath={.status.conditions[?(@.type=="${type}")].status}`;
  return kubectl(s, ['get', 'node', NODE_NAME, '--ignore-not-found', '-o', path]);
}

/**
 * The bridge, CNI config and containerd with the pause image: what dockerd needs before it can be started
 * with --containerd=<containerdSocket(s)> (containerd's CRI waits for a CNI config to report ready).
 */
export async function nodeRuntimeUp(s: Settings): Promise<void> {
  await nodeInstall(s);
  const b = await cniUp(s);
  await serviceRouteUp(s, b);
  await containerdUp(s);
  if (!(await hasImage(s, pauseImage()))) {
    progress(`containerd: importing ${pauseImage()}`);
    await importImage(s, pauseImageTar(s));
  }
}

/** Starts what is missing and waits for the Node to be Ready. Needs the control plane up (kubeUp). */
export async function nodeUp(s: Settings): Promise<void> {
  const started = Date.now();
  if (process.getuid?.() !== 0) throw new Error('the real node needs root (bridge, cgroups, mounts)');
  await nodeInstall(s);
  await ensureNodePki(s);
  writeKubeletKubeconfig(s, `https://127.0.0.1:${s.ports.apiserver}`);
  await kubectl(
    s,
    ['apply', '--server-side', '--field-manager=devenv', '-f', '-'],
    apiserverKubeletBinding(),
  );
  await nodeRuntimeUp(s);
  ensureCgroupRoot();
  saveSysctls(s);
  await kubeletUp(s, `https://127.0.0.1:${s.ports.apiserver}`);
  await waitUntil(`node ${NODE_NAME} to be Ready`, async () => (await nodeCondition(s, 'Ready')) === 'True', {
    timeoutMs: 120_000,
    state: s.state,
    daemon: KUBELET,
  });
  progress(`node ${NODE_NAME}: Ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Stops everything nodeUp started and removes what it left on the host. Says what was stopped. */
export async function nodeDown(s: Settings): Promise<string[]> {
  const stopped: string[] = [];
  if (await kubeletDown(s)) stopped.push(KUBELET);
  try {
    // Without it the Node would linger NotReady and its pods would come back on the next start.
    await kubectl(s, [
      'delete',
      'node',
      NODE_NAME,
      '--ignore-not-found',
      '--wait=false',
      '--request-timeout=10s',
    ]);
  } catch {
    // the control plane is already down: nothing to tidy there
  }
  if (await containerdDown(s)) stopped.push(CONTAINERD);
  const shims = await killShims(s);
  const p = nodePaths(s);
  const mounts = await unmountUnder([p.containerd, p.node]);
  if (mounts.length > 0) progress(`node: unmounted ${mounts.length} leftover mount(s)`);
  const left = removeCgroupRoot();
  if (left.length > 0) progress(`node: cgroups still in use, left: ${left.join(', ')}`);
  await removeKubeletLeftovers(s);
  await serviceRouteDown(bridge());
  await cniDown(s);
  const restored = restoreSysctls(s);
  if (restored.length > 0) progress(`node: restored ${restored.join(' ')}`);
  if (shims.length > 0) stopped.push(`${shims.length} shim(s)`);
  return stopped;
}

export interface NodeStatus {
  containerd: boolean;
  kubelet: boolean;
  /** the Node's Ready condition: True, False, Unknown, or '' when it is not registered */
  ready: string;
}

export async function nodeStatus(s: Settings): Promise<NodeStatus> {
  let ready = '';
  try {
    ready = await nodeCondition(s, 'Ready');
  } catch {
    ready = '';
  }
  return { containerd: daemonRunning(s.state, CONTAINERD), kubelet: daemonRunning(s.state, KUBELET), ready };
}
