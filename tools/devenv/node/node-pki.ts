// The node's certificates, signed by the control plane's devenv CA (kube-pki.ts) and made once per state
// folder: the kubelet's client certificate (CN=system:node:<name>, O=system:nodes, so the Node authorizer
// scopes it to its own node and pods), its serving certificate (for the bridge address, so the API server can
// verify it), and the API server's client certificate for calling kubelets (logs, exec, port-forward).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { kubeconfig } from '../kube-pki.js';
import { run } from '../proc.js';
import type { Settings } from '../settings.js';
import { bridge, NODE_NAME, nodePaths } from './node-settings.js';

/** The control plane's CA folder (kube.ts keeps its PKI in <state>/kube/pki). */
export function kubePkiDir(s: Settings): string {
  return path.join(s.state, 'kube', 'pki');
}

async function signed(s: Settings, stem: string, subject: string, extensions: string[]): Promise<void> {
  const pki = nodePaths(s).pki;
  const ca = kubePkiDir(s);
  // Made again when what it says or the CA that signs it changed (another subnet, a new control plane).
  const caHash = createHash('sha256')
    .update(readFileSync(path.join(ca, 'ca.crt')))
    .digest('hex');
  const ext = [`# signed by the CA with sha256 ${caHash}`, ...extensions, ''].join('\n');
  const extFile = path.join(pki, `${stem}.ext`);
  const current = existsSync(extFile) ? readFileSync(extFile, 'utf8') : '';
  if (existsSync(path.join(pki, `${stem}.crt`)) && current === ext) return;
  mkdirSync(pki, { recursive: true, mode: 0o700 });
  writeFileSync(extFile, ext);
  const req = [
    'req',
    '-new',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    `${stem}.key`,
    '-out',
    `${stem}.csr`,
  ];
  await run('openssl', [...req, '-subj', subject], { cwd: pki });
  await run(
    'openssl',
    [
      'x509',
      '-req',
      '-in',
      `${stem}.csr`,
      '-CA',
      path.join(ca, 'ca.crt'),
      '-CAkey',
      path.join(ca, 'ca.key'),
      // Our own serial file, so nothing is written into the control plane's PKI folder.
      '-CAserial',
      'ca.srl',
      '-CAcreateserial',
      '-days',
      '3650',
      '-sha256',
      '-out',
      `${stem}.crt`,
      '-extfile',
      `${stem}.ext`,
    ],
    { cwd: pki },
  );
}

const CLIENT = [
  'basicConstraints=CA:FALSE',
  'keyUsage=digitalSignature,keyEncipherment',
  'extendedKeyUsage=clientAuth',
];

export const APISERVER_KUBELET_CLIENT = 'kube-apiserver-kubelet-client';

/**
 * The API server's identity towards kubelets. It belongs with the control plane's PKI; it is made here
 * until kube-pki.ts makes it, so a node can be tried against a throwaway API server. Not a cluster admin:
 * kubelets authorize it through the API server, which grants it system:kubelet-api-admin (as kubeadm does).
 */
export async function ensureApiserverKubeletClient(s: Settings): Promise<{ cert: string; key: string }> {
  await signed(s, 'apiserver-kubelet-client', `/CN=${APISERVER_KUBELET_CLIENT}`, CLIENT);
  const pki = nodePaths(s).pki;
  return {
    cert: path.join(pki, 'apiserver-kubelet-client.crt'),
    key: path.join(pki, 'apiserver-kubelet-client.key'),
  };
}

/** The flags kube-apiserver needs to reach this node's kubelet with verified mutual TLS. */
export async function apiserverKubeletFlags(s: Settings): Promise<string[]> {
  const { cert, key } = await ensureApiserverKubeletClient(s);
  return [
    `--kubelet-client-certificate=${cert}`,
    `--kubelet-client-key=${key}`,
    `--kubelet-certificate-authority=${path.join(kubePkiDir(s), 'ca.crt')}`,
    // The kubelet also reports a Hostname address (outbox-node-0) that nothing resolves.
    '--kubelet-preferred-address-types=InternalIP,Hostname',
  ];
}

/** Lets the API server's kubelet client use every kubelet API (logs, exec, port-forward, metrics). */
export function apiserverKubeletBinding(): string {
  const rbac = 'rbac.authorization.k8s.io';
  return JSON.stringify({
    apiVersion: `${rbac}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name: `outbox-devenv:${APISERVER_KUBELET_CLIENT}` },
    roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: 'system:kubelet-api-admin' },
    subjects: [{ apiGroup: rbac, kind: 'User', name: APISERVER_KUBELET_CLIENT }],
  });
}

export async function ensureNodePki(s: Settings): Promise<void> {
  const b = bridge();
  await signed(s, 'kubelet-client', `/O=system:nodes/CN=system:node:${NODE_NAME}`, CLIENT);
  await signed(s, 'kubelet-serving', `/CN=system:node:${NODE_NAME}`, [
    'basicConstraints=CA:FALSE',
    'keyUsage=digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    `subjectAltName=IP:${b.gateway},DNS:${NODE_NAME},IP:127.0.0.1,DNS:localhost`,
  ]);
  await ensureApiserverKubeletClient(s);
}

export function writeKubeletKubeconfig(s: Settings, server: string): void {
  const p = nodePaths(s);
  const text = kubeconfig({
    server,
    caPem: readFileSync(path.join(kubePkiDir(s), 'ca.crt'), 'utf8'),
    certPem: readFileSync(path.join(p.pki, 'kubelet-client.crt'), 'utf8'),
    keyPem: readFileSync(path.join(p.pki, 'kubelet-client.key'), 'utf8'),
    user: `system:node:${NODE_NAME}`,
  });
  writeFileSync(p.kubeletKubeconfig, text, { mode: 0o600 });
}
