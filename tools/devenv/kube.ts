// The Kubernetes control plane as local processes: etcd, kube-apiserver (client-certificate authentication,
// RBAC authorization), kube-controller-manager, kube-scheduler, and kwok simulating one node, so that
// Deployments become Available, CronJobs create Jobs and owner references are garbage-collected.
import { mkdirSync, readFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { kubeBinDir, kubeInstall, kwokBinDir } from './kube-build.js';
import { ensurePki, writeKubeconfigs } from './kube-pki.js';
import { apiserverKubeletFlags } from './node/node-pki.js';
import { daemonRunning, portOpen, progress, run, startDaemon, stopDaemon, waitUntil } from './proc.js';
import type { Settings } from './settings.js';

export const NODE_NAME = 'kwok-node-0';
// Started in this order, stopped in the reverse.
export const kubeDaemons = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok'];

function dirs(s: Settings) {
  const home = path.join(s.state, 'kube');
  return {
    home,
    pki: path.join(home, 'pki'),
    etcd: path.join(home, 'etcd'),
    configs: path.join(home, 'kubeconfig'),
  };
}

export function adminKubeconfig(s: Settings): string {
  return path.join(dirs(s).configs, 'admin.kubeconfig');
}

export function kubectlPath(s: Settings): string {
  return path.join(kubeBinDir(s), 'kubectl');
}

export function kubectl(s: Settings, args: string[], input?: string): Promise<string> {
  return run(
    kubectlPath(s),
    ['--kubeconfig', adminKubeconfig(s), ...args],
    input === undefined ? {} : { input },
  );
}

function server(s: Settings): string {
  return `https://127.0.0.1:${s.ports.apiserver}`;
}

/** GET a path of the API server as the admin identity; resolves to the status code. */
function apiGet(s: Settings, urlPath: string): Promise<number> {
  const { pki } = dirs(s);
  return new Promise((resolve, reject) => {
    const req = https.get(
      `${server(s)}${urlPath}`,
      {
        ca: readFileSync(path.join(pki, 'ca.crt')),
        cert: readFileSync(path.join(pki, 'admin.crt')),
        key: readFileSync(path.join(pki, 'admin.key')),
        timeout: 2000,
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

async function etcdHealthy(s: Settings): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${s.ports.etcd}/health`, { signal: AbortSignal.timeout(2000) });
  return res.ok && ((await res.json()) as { health?: string }).health === 'true';
}

export async function kubeUp(s: Settings): Promise<void> {
  await kubeInstall(s);
  const d = dirs(s);
  const bin = kubeBinDir(s);
  await ensurePki(d.pki);
  writeKubeconfigs(d.pki, d.configs, server(s));
  const p = s.ports;

  if (!daemonRunning(s.state, 'etcd')) {
    progress(`etcd: starting on 127.0.0.1:${p.etcd}`);
    mkdirSync(d.etcd, { recursive: true, mode: 0o700 });
    startDaemon(s.state, {
      name: 'etcd',
      command: path.join(bin, 'etcd'),
      args: [
        '--name=devenv',
        `--data-dir=${d.etcd}`,
        `--listen-client-urls=http://127.0.0.1:${p.etcd}`,
        `--advertise-client-urls=http://127.0.0.1:${p.etcd}`,
        `--listen-peer-urls=http://127.0.0.1:${p.etcdPeer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${p.etcdPeer}`,
        `--initial-cluster=devenv=http://127.0.0.1:${p.etcdPeer}`,
        // A throwaway test cluster: durability is not worth the fsync latency on a shared disk.
        '--unsafe-no-fsync',
        '--quota-backend-bytes=4294967296',
        '--log-level=warn',
      ],
    });
  }
  await waitUntil('etcd to report healthy', () => etcdHealthy(s), {
    timeoutMs: 30_000,
    state: s.state,
    daemon: 'etcd',
  });

  if (!daemonRunning(s.state, 'kube-apiserver')) {
    progress(`kube-apiserver: starting on 127.0.0.1:${p.apiserver}`);
    // Its client certificate for the real node's kubelet (logs, exec); node/node-pki.ts.
    const kubeletClient = await apiserverKubeletFlags(s);
    startDaemon(s.state, {
      name: 'kube-apiserver',
      command: path.join(bin, 'kube-apiserver'),
      args: [
        `--etcd-servers=http://127.0.0.1:${p.etcd}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${p.apiserver}`,
        `--cert-dir=${d.pki}`,
        `--tls-cert-file=${path.join(d.pki, 'apiserver.crt')}`,
        `--tls-private-key-file=${path.join(d.pki, 'apiserver.key')}`,
        `--client-ca-file=${path.join(d.pki, 'ca.crt')}`,
        '--authorization-mode=Node,RBAC',
        '--anonymous-auth=false',
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${path.join(d.pki, 'sa.pub')}`,
        `--service-account-signing-key-file=${path.join(d.pki, 'sa.key')}`,
        '--service-cluster-ip-range=10.96.0.0/16',
        '--allow-privileged=true',
        '--profiling=false',
        '--v=0',
        ...kubeletClient,
      ],
    });
  }
  await waitUntil('kube-apiserver /readyz', async () => (await apiGet(s, '/readyz')) === 200, {
    timeoutMs: 90_000,
    state: s.state,
    daemon: 'kube-apiserver',
  });

  if (!daemonRunning(s.state, 'kube-controller-manager')) {
    progress('kube-controller-manager: starting');
    startDaemon(s.state, {
      name: 'kube-controller-manager',
      command: path.join(bin, 'kube-controller-manager'),
      args: [
        `--kubeconfig=${path.join(d.configs, 'kube-controller-manager.kubeconfig')}`,
        '--leader-elect=false',
        '--secure-port=0',
        `--service-account-private-key-file=${path.join(d.pki, 'sa.key')}`,
        `--root-ca-file=${path.join(d.pki, 'ca.crt')}`,
        '--use-service-account-credentials=false',
        '--service-cluster-ip-range=10.96.0.0/16',
        '--cluster-cidr=10.244.0.0/16',
        '--allocate-node-cidrs=false',
        '--v=0',
      ],
    });
  }
  if (!daemonRunning(s.state, 'kube-scheduler')) {
    progress('kube-scheduler: starting');
    startDaemon(s.state, {
      name: 'kube-scheduler',
      command: path.join(bin, 'kube-scheduler'),
      args: [
        `--kubeconfig=${path.join(d.configs, 'kube-scheduler.kubeconfig')}`,
        '--leader-elect=false',
        '--secure-port=0',
        '--v=0',
      ],
    });
  }
  if (!daemonRunning(s.state, 'kwok')) {
    progress(`kwok: starting, simulating node ${NODE_NAME}`);
    startDaemon(s.state, {
      name: 'kwok',
      command: path.join(kwokBinDir(s), 'kwok'),
      args: [
        `--kubeconfig=${path.join(d.configs, 'kwok.kubeconfig')}`,
        '--manage-all-nodes=false',
        '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
        '--disregard-status-with-annotation-selector=kwok.x-k8s.io/status=custom',
        '--node-ip=10.0.0.1',
        '--cidr=10.0.0.1/24',
        '--node-lease-duration-seconds=40',
        `--server-address=127.0.0.1:${p.kwok}`,
      ],
    });
  }
  await kubectl(s, ['apply', '--server-side', '--field-manager=devenv', '-f', '-'], nodeManifest());
  await waitUntil(
    `node ${NODE_NAME} to be Ready`,
    async () =>
      (await kubectl(s, [
        'get',
        'node',
        NODE_NAME,
        '-o',
        'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
      ])) === 'True',
    { timeoutMs: 60_000, state: s.state, daemon: 'kwok' },
  );
  // The service-account controller creating "default" shows the controller manager is at work.
  await waitUntil(
    'the controller manager to create the default service account',
    async () =>
      (await kubectl(s, ['get', 'serviceaccount', 'default', '-n', 'default', '-o', 'name'])).trim() !== '',
    { timeoutMs: 60_000, state: s.state, daemon: 'kube-controller-manager' },
  );
  progress('kubernetes: ready');
}

export function nodeManifest(): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: NODE_NAME,
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'kwok.x-k8s.io/node': 'fake' },
      labels: {
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': NODE_NAME,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/role': 'agent',
        'node-role.kubernetes.io/agent': '',
        type: 'kwok',
      },
    },
    status: {
      allocatable: { cpu: '32', memory: '256Gi', pods: '250' },
      capacity: { cpu: '32', memory: '256Gi', pods: '250' },
    },
  });
}

export async function kubeStatus(s: Settings): Promise<string> {
  if (!(await portOpen(s.ports.apiserver))) return 'down';
  try {
    return (await apiGet(s, '/readyz')) === 200 ? 'ready' : 'not ready';
  } catch {
    return 'not ready';
  }
}

export async function kubeDown(s: Settings): Promise<string[]> {
  const stopped: string[] = [];
  for (const name of [...kubeDaemons].reverse()) {
    if (await stopDaemon(s.state, name)) stopped.push(name);
  }
  return stopped;
}
