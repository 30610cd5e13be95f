// The kubelet of the real node: joins the running control plane with its own client certificate, runs pods
// through our containerd's CRI, serves logs/exec on the bridge address only (mutual TLS: the API server's
// client certificate is checked against the devenv CA and authorized by the API server, Webhook mode).
// Every path is under the state folder; settings this machine needs are explained where they are set.
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  rmdirSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { daemonRunning, progress, run, startDaemon, stopDaemon, waitUntil } from '../proc.js';
import type { Settings } from '../settings.js';
import { CGROUP_ROOT } from './host-state.js';
import { kubeletPath } from './kubelet-build.js';
import { kubePkiDir } from './node-pki.js';
import {
  bridge,
  criEndpoint,
  NODE_LABEL_KEY,
  NODE_LABEL_VALUE,
  NODE_NAME,
  NODE_TAINT,
  nodePaths,
  nodePorts,
} from './node-settings.js';

export const KUBELET = 'kubelet';

export function kubeletConfig(s: Settings): object {
  const p = nodePaths(s);
  const ports = nodePorts();
  return {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    // Listen on the bridge address only: reachable by the API server, not from the machine's network.
    address: bridge().gateway,
    port: ports.kubelet,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: ports.kubeletHealthz,
    tlsCertFile: path.join(p.pki, 'kubelet-serving.crt'),
    tlsPrivateKeyFile: path.join(p.pki, 'kubelet-serving.key'),
    rotateCertificates: false,
    serverTLSBootstrap: false,
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true },
      x509: { clientCAFile: path.join(kubePkiDir(s), 'ca.crt') },
    },
    authorization: { mode: 'Webhook' },
    containerRuntimeEndpoint: criEndpoint(s),
    // This kernel has cgroup v1, which 1.34 refuses unless told; no systemd here, so the cgroupfs driver.
    failCgroupV1: false,
    cgroupDriver: 'cgroupfs',
    cgroupRoot: CGROUP_ROOT,
    failSwapOn: false,
    podLogsDir: p.podLogs,
    volumePluginDir: path.join(p.kubeletRoot, 'volume-plugins'),
    // No cluster DNS and no route out: pods get an empty resolv.conf rather than the host's unreachable one.
    resolvConf: '',
    clusterDomain: 'cluster.local',
    registerNode: true,
    registerWithTaints: [NODE_TAINT],
    // Images cannot be pulled again (no registry): never garbage-collect them. Evict only when the shared
    // disk or memory is really exhausted, not because other work on the machine filled it.
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    evictionHard: {
      'memory.available': '100Mi',
      'nodefs.available': '1%',
      'nodefs.inodesFree': '1%',
      'imagefs.available': '1%',
    },
    maxPods: 110,
    // Faster status for tests (defaults: 10 s update, 5 min report).
    nodeStatusUpdateFrequency: '5s',
    nodeStatusReportFrequency: '1m',
    syncFrequency: '10s',
  };
}

export async function kubeletUp(s: Settings, apiserver: string): Promise<void> {
  const p = nodePaths(s);
  mkdirSync(p.kubeletRoot, { recursive: true, mode: 0o700 });
  mkdirSync(p.podLogs, { recursive: true });
  writeFileSync(p.kubeletConfig, `${JSON.stringify(kubeletConfig(s), null, 2)}\n`);
  if (daemonRunning(s.state, KUBELET)) return;
  progress(
    `kubelet: starting node ${NODE_NAME} on ${bridge().gateway}:${nodePorts().kubelet} (API ${apiserver})`,
  );
  startDaemon(s.state, {
    name: KUBELET,
    command: kubeletPath(s),
    args: [
      `--config=${p.kubeletConfig}`,
      `--kubeconfig=${p.kubeletKubeconfig}`,
      `--root-dir=${p.kubeletRoot}`,
      `--cert-dir=${p.pki}`,
      `--hostname-override=${NODE_NAME}`,
      // The node's InternalIP: the bridge address (a kubelet refuses a loopback node IP).
      `--node-ip=${bridge().gateway}`,
      `--node-labels=${NODE_LABEL_KEY}=${NODE_LABEL_VALUE}`,
      '--v=1',
    ],
  });
  await waitUntil(
    'kubelet /healthz',
    async () => {
      const res = await fetch(`http://127.0.0.1:${nodePorts().kubeletHealthz}/healthz`, {
        signal: AbortSignal.timeout(2000),
      });
      return res.ok;
    },
    { timeoutMs: 60_000, state: s.state, daemon: KUBELET },
  );
}

/** Stops the kubelet only: its pods keep running until containerdDown removes them. */
export function kubeletDown(s: Settings): Promise<boolean> {
  return stopDaemon(s.state, KUBELET);
}

/** Chains the kubelet makes in the host's tables (pkg/kubelet/kubelet_network_linux.go), and their jumps. */
const KUBELET_CHAINS: [table: string, chain: string, jumps: string[]][] = [
  ['filter', 'KUBE-FIREWALL', ['INPUT', 'OUTPUT']],
  ['filter', 'KUBE-KUBELET-CANARY', []],
  ['nat', 'KUBE-KUBELET-CANARY', []],
  ['mangle', 'KUBE-KUBELET-CANARY', []],
  ['mangle', 'KUBE-IPTABLES-HINT', []],
];

async function succeeds(command: string, args: string[]): Promise<boolean> {
  return run(command, args).then(
    () => true,
    () => false,
  );
}

/** Removes the kubelet's chains, log links and device-plugin socket (once it has stopped: it would remake them). */
export async function removeKubeletLeftovers(s: Settings): Promise<void> {
  for (const tool of ['iptables', 'ip6tables']) {
    for (const [table, chain, jumps] of KUBELET_CHAINS) {
      for (const from of jumps) {
        while (await succeeds(tool, ['-w', '-t', table, '-D', from, '-j', chain])) {
          // one jump per kubelet start
        }
      }
      if (await succeeds(tool, ['-w', '-t', table, '-F', chain])) {
        await run(tool, ['-w', '-t', table, '-X', chain]);
      }
    }
  }
  // The kubelet links each container's log here (hard-coded): drop our links, then the folder if empty.
  const links = '/var/log/containers';
  const ours = `${nodePaths(s).podLogs}/`;
  for (const name of existsSync(links) ? readdirSync(links) : []) {
    const link = path.join(links, name);
    if (lstatSync(link).isSymbolicLink() && readlinkSync(link).startsWith(ours)) unlinkSync(link);
  }
  // The device-plugin socket ignores --root-dir (deviceplugin/v1beta1.DevicePluginPath).
  const devicePlugins = '/var/lib/kubelet/device-plugins';
  for (const file of ['kubelet.sock', 'kubelet_internal_checkpoint']) {
    rmSync(path.join(devicePlugins, file), { force: true });
  }
  removeEmptyDirs([links, devicePlugins, '/var/lib/kubelet']);
}

/** rmdir each folder that is empty; a folder with anything in it (another kubelet's?) stays. */
export function removeEmptyDirs(dirs: string[]): void {
  for (const dir of dirs) {
    try {
      rmdirSync(dir);
    } catch {
      // not empty, or already gone
    }
  }
}
