// The real node's proof, by hand (try.ts smoke): a locally built image runs under restricted Pod Security,
// kubectl logs and exec reach it, it reaches a host listener on the bridge gateway and nothing beyond, and a
// pod without the node's toleration still lands on kwok. Logs and exec need an API server with
// apiserverKubeletFlags: `server` points at one (the throwaway one until kube.ts passes them).
import http from 'node:http';
import path from 'node:path';
import { kubectl } from '../kube.js';
import { progress } from '../proc.js';
import type { Settings } from '../settings.js';
import { importImage } from './containerd.js';
import { bridge, NODE_NAME, NODE_SELECTOR, NODE_TOLERATION, nodePaths } from './node-settings.js';
import { buildProbeImage, PROBE_IMAGE, PROBE_UID } from './probe-image.js';

const NS = 'outbox-node-smoke';

function pod(name: string, onRealNode: boolean): object {
  const restricted = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS },
    spec: {
      ...(onRealNode ? { nodeSelector: NODE_SELECTOR, tolerations: [NODE_TOLERATION] } : {}),
      securityContext: {
        runAsNonRoot: true,
        runAsUser: PROBE_UID,
        runAsGroup: PROBE_UID,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      terminationGracePeriodSeconds: 5,
      containers: [
        {
          name: 'probe',
          image: PROBE_IMAGE,
          imagePullPolicy: 'Never',
          args: ['serve', ':8080'],
          readinessProbe: { httpGet: { port: 8080, path: '/' }, periodSeconds: 2 },
          securityContext: restricted,
        },
      ],
    },
  };
}

function expectIn(what: string, output: string, wanted: string): void {
  if (!output.includes(wanted)) throw new Error(`${what}: expected "${wanted}" in:\n${output}`);
  progress(`smoke: ${what}: ok`);
}

export async function smoke(s: Settings, server?: string): Promise<void> {
  const via = [
    ...(server ? ['--server', server] : []),
    `--cache-dir=${path.join(nodePaths(s).node, 'kubectl-cache')}`,
  ];
  const k = (args: string[], input?: string) => kubectl(s, [...via, ...args], input);
  const tar = await buildProbeImage(s);
  await importImage(s, tar);
  await k(['delete', 'namespace', NS, '--ignore-not-found', '--wait=true']);
  const namespace = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: NS, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
  };
  const items = [namespace, pod('real', true), pod('peer', true), pod('simulated', false)];
  await k(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  const started = Date.now();
  await k([
    'wait',
    '-n',
    NS,
    'pod/real',
    'pod/peer',
    'pod/simulated',
    '--for=condition=Ready',
    '--timeout=90s',
  ]);
  progress(`smoke: pods Ready ${((Date.now() - started) / 1000).toFixed(1)} s after apply`);
  const nodes = await k(['get', 'pods', '-n', NS, '-o', 'jsonpath={.items[*].spec.nodeName}']);
  expectIn(
    'tolerating pods run on the real node, the other on kwok',
    nodes,
    `${NODE_NAME} ${NODE_NAME} kwok-node-0`,
  );

  expectIn('kubectl logs', await k(['logs', '-n', NS, 'real']), `serving on :8080 as uid=${PROBE_UID}`);
  const who = await k(['exec', '-n', NS, 'real', '--', '/probe', 'whoami']);
  expectIn('kubectl exec runs as the restricted user', who, `uid=${PROBE_UID} gid=${PROBE_UID}`);
  expectIn('the root file system is read-only', who, 'read-only file system');
  expectIn('no capabilities', who, 'CapEff:\t0000000000000000');
  expectIn('seccomp filter on (RuntimeDefault)', who, 'Seccomp:\t2');

  const peer = await k(['get', 'pod', '-n', NS, 'peer', '-o', 'jsonpath={.status.podIP}']);
  const hello = await k(['exec', '-n', NS, 'real', '--', '/probe', 'get', `http://${peer}:8080/`]);
  expectIn(`pod to pod on the bridge (${peer})`, hello, 'ok from peer');

  const gateway = bridge().gateway;
  const listener = http.createServer((_req, res) => res.end('hello from the host\n'));
  await new Promise<void>((resolve) => listener.listen(0, gateway, resolve));
  const port = (listener.address() as { port: number }).port;
  try {
    const got = await k(['exec', '-n', NS, 'real', '--', '/probe', 'get', `http://${gateway}:${port}/`]);
    expectIn('the pod reaches a host listener on the bridge gateway', got, 'hello from the host');
  } finally {
    listener.close();
  }
  const out = await k(['exec', '-n', NS, 'real', '--', '/probe', 'get', 'http://1.1.1.1/']).catch(
    (error: Error) => error.message,
  );
  expectIn('nothing beyond the bridge is reachable', out, 'network is unreachable');
  await k(['delete', 'namespace', NS, '--wait=true', '--timeout=60s']);
  progress('smoke: passed; namespace deleted');
}
