// Test-only: a second kube-apiserver beside the running one, on the same etcd (so it sees the same Node and
// pods), with the running one's flags plus apiserverKubeletFlags, on the next port. It shows that those flags
// make logs and exec reach the kubelet without restarting the apiserver others are using. Stopped after use.
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { kubeBinDir } from '../kube-build.js';
import { kubectl } from '../kube.js';
import { readPid, startDaemon, stopDaemon, waitUntil } from '../proc.js';
import type { Settings } from '../settings.js';
import { apiserverKubeletFlags } from './node-pki.js';
import { nodePaths } from './node-settings.js';

const NAME = 'kube-apiserver-throwaway';

export async function withThrowawayApiserver<T>(
  s: Settings,
  use: (server: string) => Promise<T>,
): Promise<T> {
  const pid = readPid(s.state, 'kube-apiserver');
  if (pid === undefined) throw new Error('the control plane is not running');
  const running = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(1, -1);
  const port = s.ports.apiserver + 1;
  const certDir = path.join(nodePaths(s).node, 'throwaway-apiserver');
  mkdirSync(certDir, { recursive: true });
  const args = [
    ...running.filter((a) => !a.startsWith('--secure-port=') && !a.startsWith('--cert-dir=')),
    `--secure-port=${port}`,
    `--cert-dir=${certDir}`,
    ...(await apiserverKubeletFlags(s)),
  ];
  startDaemon(s.state, { name: NAME, command: path.join(kubeBinDir(s), 'kube-apiserver'), args });
  const server = `https://127.0.0.1:${port}`;
  try {
    await waitUntil(
      `${NAME} /readyz`,
      async () => (await kubectl(s, ['--server', server, 'get', '--raw', '/readyz'])).trim() === 'ok',
      { timeoutMs: 90_000, state: s.state, daemon: NAME },
    );
    return await use(server);
  } finally {
    await stopDaemon(s.state, NAME);
  }
}
