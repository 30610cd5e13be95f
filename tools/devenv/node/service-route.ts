// Pods reach the API server the way in-cluster clients expect: at the `kubernetes` Service's address
// (KUBERNETES_SERVICE_HOST, 10.96.0.1:443, which the API server's certificate names). There is no
// kube-proxy, so the devenv does its one job for that one Service: pods get a route to the service range
// through the bridge's gateway (cni.ts), and a DNAT rule on the host sends 10.96.0.1:443 arriving from the
// bridge to the API server on loopback (route_localnet lets the bridge deliver to 127.0.0.1; only for that
// rule's traffic, since nothing else is DNATed there). The API server keeps listening on loopback only.
import { writeFileSync } from 'node:fs';
import { CommandError, run } from '../proc.js';
import type { Settings } from '../settings.js';
import type { Bridge } from './node-settings.js';

/** The `kubernetes` Service's ClusterIP: the first address of --service-cluster-ip-range (kube.ts). */
export const KUBERNETES_SERVICE_IP = '10.96.0.1';
export const SERVICE_RANGE = '10.96.0.0/16';
const CHAIN = 'OUTBOX-DEVENV-SERVICES';

async function ok(args: string[]): Promise<boolean> {
  try {
    await run('iptables', ['-w', ...args]);
    return true;
  } catch (error) {
    if (error instanceof CommandError) return false;
    throw error;
  }
}

export async function serviceRouteUp(s: Settings, b: Bridge): Promise<void> {
  if (!(await ok(['-t', 'nat', '-n', '-L', CHAIN]))) await run('iptables', ['-w', '-t', 'nat', '-N', CHAIN]);
  await run('iptables', ['-w', '-t', 'nat', '-F', CHAIN]);
  await run('iptables', [
    '-w',
    '-t',
    'nat',
    '-A',
    CHAIN,
    '-d',
    `${KUBERNETES_SERVICE_IP}/32`,
    '-p',
    'tcp',
    '--dport',
    '443',
    '-j',
    'DNAT',
    '--to-destination',
    `127.0.0.1:${s.ports.apiserver}`,
  ]);
  const jump = ['PREROUTING', '-i', b.name, '-j', CHAIN];
  if (!(await ok(['-t', 'nat', '-C', ...jump]))) await run('iptables', ['-w', '-t', 'nat', '-I', ...jump]);
  // The bridge disappears with nodeDown, and this setting with it.
  writeFileSync(`/proc/sys/net/ipv4/conf/${b.name}/route_localnet`, '1');
}

export async function serviceRouteDown(b: Bridge): Promise<void> {
  while (await ok(['-t', 'nat', '-D', 'PREROUTING', '-i', b.name, '-j', CHAIN])) {
    // one jump per earlier start, in case one was left
  }
  if (await ok(['-t', 'nat', '-n', '-L', CHAIN])) {
    await run('iptables', ['-w', '-t', 'nat', '-F', CHAIN]);
    await run('iptables', ['-w', '-t', 'nat', '-X', CHAIN]);
  }
}
