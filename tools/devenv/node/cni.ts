// Pod networking on the one private bridge the devenv owns: the devenv creates the bridge with the gateway
// address (the node's InternalIP, where host services listen for pods), and Debian's bridge + host-local CNI
// plugins attach pods to it. Pods get only the subnet's route and the service range's (service-route.ts), no
// default route and no masquerading, and a
// FORWARD chain drops anything routed into or out of the bridge, so no pod traffic leaves the machine even
// where another tool (dockerd) turns IP forwarding on. Pod to pod and pod to host work.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CommandError, progress, run } from '../proc.js';
import type { Settings } from '../settings.js';
import { removeEmptyDirs } from './kubelet.js';
import { bridge, nodePaths, type Bridge } from './node-settings.js';
import { SERVICE_RANGE } from './service-route.js';

export const CNI_NETWORK = 'outbox-devenv';
const CHAIN = 'OUTBOX-DEVENV-FORWARD';

export function cniConfig(s: Settings, b: Bridge = bridge()): object {
  return {
    cniVersion: '1.0.0',
    name: CNI_NETWORK,
    plugins: [
      {
        type: 'bridge',
        bridge: b.name,
        // The devenv owns the bridge's address; isGateway would also switch on host-wide IP forwarding.
        isGateway: false,
        isDefaultGateway: false,
        ipMasq: false,
        ipam: {
          type: 'host-local',
          dataDir: nodePaths(s).cniIpam,
          ranges: [
            [{ subnet: b.subnet, gateway: b.gateway, rangeStart: b.rangeStart, rangeEnd: b.rangeEnd }],
          ],
          // The service range only (service-route.ts), through the gateway; no default route.
          routes: [{ dst: SERVICE_RANGE, gw: b.gateway }],
        },
      },
    ],
  };
}

async function ok(command: string, args: string[]): Promise<boolean> {
  try {
    await run(command, args);
    return true;
  } catch (error) {
    if (error instanceof CommandError) return false;
    throw error;
  }
}

async function ensureForwardChain(b: Bridge): Promise<void> {
  if (!(await ok('iptables', ['-w', '-n', '-L', CHAIN]))) await run('iptables', ['-w', '-N', CHAIN]);
  await run('iptables', ['-w', '-F', CHAIN]);
  // Bridged pod-to-pod frames pass FORWARD (br_netfilter); accept them even under a DROP policy.
  await run('iptables', ['-w', '-A', CHAIN, '-i', b.name, '-o', b.name, '-j', 'ACCEPT']);
  await run('iptables', ['-w', '-A', CHAIN, '-i', b.name, '-j', 'DROP']);
  await run('iptables', ['-w', '-A', CHAIN, '-o', b.name, '-j', 'DROP']);
  if (!(await ok('iptables', ['-w', '-C', 'FORWARD', '-j', CHAIN]))) {
    await run('iptables', ['-w', '-I', 'FORWARD', '1', '-j', CHAIN]);
  }
}

/** Creates the bridge and its address if missing, the FORWARD guard, and the CNI config containerd reads. */
export async function cniUp(s: Settings): Promise<Bridge> {
  const b = bridge();
  if (!(await ok('ip', ['link', 'show', 'dev', b.name]))) {
    progress(`cni: creating bridge ${b.name} ${b.gateway}/24`);
    await run('ip', ['link', 'add', 'name', b.name, 'type', 'bridge']);
  }
  const addresses = await run('ip', ['-4', '-o', 'addr', 'show', 'dev', b.name]);
  if (!addresses.includes(` ${b.gateway}/24 `)) {
    await run('ip', ['addr', 'add', `${b.gateway}/24`, 'dev', b.name]);
  }
  await run('ip', ['link', 'set', 'dev', b.name, 'up']);
  await ensureForwardChain(b);
  const p = nodePaths(s);
  mkdirSync(p.cniConf, { recursive: true });
  mkdirSync(p.cniIpam, { recursive: true });
  writeFileSync(
    path.join(p.cniConf, '10-outbox-devenv.conflist'),
    `${JSON.stringify(cniConfig(s), null, 2)}\n`,
  );
  return b;
}

/** Removes the FORWARD guard, the bridge and host-local's leases (pods must already be gone). */
export async function cniDown(s: Settings): Promise<void> {
  const b = bridge();
  while (await ok('iptables', ['-w', '-D', 'FORWARD', '-j', CHAIN])) {
    // a rule per earlier start, in case one was left
  }
  if (await ok('iptables', ['-w', '-n', '-L', CHAIN])) {
    await run('iptables', ['-w', '-F', CHAIN]);
    await run('iptables', ['-w', '-X', CHAIN]);
  }
  if (await ok('ip', ['link', 'show', 'dev', b.name])) {
    progress(`cni: deleting bridge ${b.name}`);
    await run('ip', ['link', 'delete', 'dev', b.name]);
  }
  rmSync(path.join(nodePaths(s).cniIpam, CNI_NETWORK), { recursive: true, force: true });
  // containerd 1.6 keeps libcni's result cache in /var/lib/cni (not configurable); entries go on CNI DEL.
  removeEmptyDirs(['/var/lib/cni/results', '/var/lib/cni']);
}
