// Where the real node lives and what it is called: its name, label and taint (so suites can pick it and
// pods meant for kwok never land on it), the one private bridge subnet the devenv owns, its ports, and the
// folders of containerd, the kubelet and CNI under the devenv state folder. Nothing is written outside it
// except what a Linux node cannot avoid (cgroups, iptables chains, the bridge), all removed by nodeDown.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../paths.js';
import type { Settings } from '../settings.js';

export const NODE_NAME = 'outbox-node-0';
/** Select the real node with this label; kwok's node has `type: kwok` instead. */
export const NODE_LABEL_KEY = 'outbox.kafka-relay.dev/node';
export const NODE_LABEL_VALUE = 'real';
/**
 * The real node is tainted with the same key, so only pods that tolerate it run there; pods without the
 * toleration (every existing suite) keep landing on kwok-node-0. Pods for the real node set both:
 *   nodeSelector: { 'outbox.kafka-relay.dev/node': 'real' }
 *   tolerations: [{ key: 'outbox.kafka-relay.dev/node', operator: 'Equal', value: 'real', effect: 'NoSchedule' }]
 */
export const NODE_TAINT = { key: NODE_LABEL_KEY, value: NODE_LABEL_VALUE, effect: 'NoSchedule' } as const;
export const NODE_SELECTOR = { [NODE_LABEL_KEY]: NODE_LABEL_VALUE };
export const NODE_TOLERATION = { ...NODE_TAINT, operator: 'Equal' } as const;

export interface NodeVersions {
  pause: string;
  criTools: string;
  debianPackages: string[];
}

export function nodeVersions(): NodeVersions {
  const file = path.join(repoRoot, 'tools/devenv/node/versions.json');
  return JSON.parse(readFileSync(file, 'utf8')) as NodeVersions;
}

export interface Bridge {
  name: string;
  /** e.g. 10.244.77.0/24 */
  subnet: string;
  /** the host's address on the bridge: pods reach host services here; also the node's InternalIP */
  gateway: string;
  /** host-local hands pods addresses from here to rangeEnd; below it stays free for other containers */
  rangeStart: string;
  rangeEnd: string;
}

/** OUTBOX_RELAY_DEVENV_BRIDGE_SUBNET (a /24, default 10.244.77.0/24), OUTBOX_RELAY_DEVENV_BRIDGE (outbox0). */
export function bridge(env: NodeJS.ProcessEnv = process.env): Bridge {
  const subnet = env.OUTBOX_RELAY_DEVENV_BRIDGE_SUBNET ?? '10.244.77.0/24';
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.0\/24$/.exec(subnet);
  if (!match || match.slice(1).some((o) => Number(o) > 255)) {
    throw new Error(`OUTBOX_RELAY_DEVENV_BRIDGE_SUBNET must be a /24 like 10.244.77.0/24, got "${subnet}"`);
  }
  const prefix = match.slice(1, 4).join('.');
  const name = env.OUTBOX_RELAY_DEVENV_BRIDGE ?? 'outbox0';
  if (!/^[a-z][a-z0-9-]{0,14}$/.test(name)) throw new Error(`bad bridge name "${name}"`);
  return { name, subnet, gateway: `${prefix}.1`, rangeStart: `${prefix}.64`, rangeEnd: `${prefix}.254` };
}

export interface NodePorts {
  /** the kubelet's API (logs, exec, metrics), on the bridge address only */
  kubelet: number;
  /** the kubelet's /healthz, on loopback */
  kubeletHealthz: number;
}

/** Beside the other devenv ports (OUTBOX_RELAY_DEVENV_PORT_BASE, already validated by ports.ts). */
export function nodePorts(env: NodeJS.ProcessEnv = process.env): NodePorts {
  const base = Number(env.OUTBOX_RELAY_DEVENV_PORT_BASE ?? '47000');
  return { kubelet: base + 250, kubeletHealthz: base + 248 };
}

export interface NodePaths {
  containerd: string;
  containerdConfig: string;
  containerdRoot: string;
  containerdState: string;
  /** containerd's socket: the kubelet's CRI endpoint, and dockerd's --containerd */
  containerdSocket: string;
  node: string;
  pki: string;
  cniConf: string;
  cniIpam: string;
  kubeletRoot: string;
  kubeletConfig: string;
  kubeletKubeconfig: string;
  podLogs: string;
  /** kernel settings the kubelet changes, as they were, to put back on the way down */
  savedSysctls: string;
}

export function nodePaths(s: Settings): NodePaths {
  const containerd = path.join(s.state, 'containerd');
  const node = path.join(s.state, 'node');
  const socket = path.join(containerd, 'containerd.sock');
  if (socket.length > 100) throw new Error(`containerd socket path too long for a unix socket: ${socket}`);
  return {
    containerd,
    containerdConfig: path.join(containerd, 'config.toml'),
    containerdRoot: path.join(containerd, 'root'),
    containerdState: path.join(containerd, 'state'),
    containerdSocket: socket,
    node,
    pki: path.join(node, 'pki'),
    cniConf: path.join(node, 'cni', 'net.d'),
    cniIpam: path.join(node, 'cni', 'ipam'),
    kubeletRoot: path.join(node, 'kubelet'),
    kubeletConfig: path.join(node, 'kubelet-config.yaml'),
    kubeletKubeconfig: path.join(node, 'kubelet.kubeconfig'),
    podLogs: path.join(node, 'pod-logs'),
    savedSysctls: path.join(node, 'sysctls-before.json'),
  };
}

/** The CRI endpoint, as the kubelet and crictl spell it. */
export function criEndpoint(s: Settings): string {
  return `unix://${nodePaths(s).containerdSocket}`;
}
