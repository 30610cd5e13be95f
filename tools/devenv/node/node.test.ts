// The real node's settings that this machine is known to need, checked without starting anything.
import { settings } from '../settings.js';
import { cniConfig } from './cni.js';
import { containerdConfig, normalizeRef } from './containerd.js';
import { kubeletConfig } from './kubelet.js';
import { bridge, NODE_SELECTOR, NODE_TAINT, NODE_TOLERATION } from './node-settings.js';
import { expectedPause } from './pause-image.js';

const s = settings({ OUTBOX_RELAY_DEVENV_DIR: '/tmp/outbox-devenv-node-test' });

describe('the real node', () => {
  it('owns one /24 bridge, gateway .1, pods from .64', () => {
    expect(bridge({})).toEqual({
      name: 'outbox0',
      subnet: '10.244.77.0/24',
      gateway: '10.244.77.1',
      rangeStart: '10.244.77.64',
      rangeEnd: '10.244.77.254',
    });
    expect(bridge({ OUTBOX_RELAY_DEVENV_BRIDGE_SUBNET: '10.9.8.0/24' }).gateway).toBe('10.9.8.1');
    expect(() => bridge({ OUTBOX_RELAY_DEVENV_BRIDGE_SUBNET: '10.9.0.0/16' })).toThrow(/a \/24/);
  });

  it('is selected by its label and only tolerating pods land on it', () => {
    expect(NODE_SELECTOR).toEqual({ 'outbox.kafka-relay.dev/node': 'real' });
    expect(NODE_TOLERATION).toEqual({ ...NODE_TAINT, operator: 'Equal' });
    expect(kubeletConfig(s)).toMatchObject({ registerWithTaints: [NODE_TAINT] });
  });

  it('runs the kubelet on cgroup v1 with cgroupfs, authenticated and authorized', () => {
    expect(kubeletConfig(s)).toMatchObject({
      failCgroupV1: false,
      cgroupDriver: 'cgroupfs',
      readOnlyPort: 0,
      authentication: { anonymous: { enabled: false }, webhook: { enabled: true } },
      authorization: { mode: 'Webhook' },
    });
  });

  it("configures containerd's CRI for this machine, everything under the state folder", () => {
    const toml = containerdConfig(s);
    for (const line of [
      'restrict_oom_score_adj = true',
      'SystemdCgroup = false',
      'sandbox_image = "registry.k8s.io/pause:3.10.1"',
      'address = "/tmp/outbox-devenv-node-test/containerd/containerd.sock"',
      'netns_mounts_under_state_dir = true',
    ]) {
      expect(toml).toContain(line);
    }
    expect(toml).not.toMatch(/"\/(var|run|opt|etc)\//);
  });

  it('gives pods no default route (only the service range, through the gateway), no masquerading and no host-wide forwarding', () => {
    const plugin = (cniConfig(s) as { plugins: Record<string, unknown>[] }).plugins[0];
    expect(plugin).toMatchObject({
      type: 'bridge',
      isGateway: false,
      ipMasq: false,
      ipam: { routes: [{ dst: '10.96.0.0/16', gw: '10.244.77.1' }] },
    });
  });

  it('names images as containerd stores them', () => {
    expect(normalizeRef('outbox/relay:dev')).toBe('docker.io/outbox/relay:dev');
    expect(normalizeRef('busybox:1')).toBe('docker.io/library/busybox:1');
    expect(normalizeRef('registry.k8s.io/pause:3.10.1')).toBe('registry.k8s.io/pause:3.10.1');
  });

  it("reads the pause version from kubeadm's constants", () => {
    expect(expectedPause('\tPauseVersion = "3.10.1"\n')).toBe('3.10.1');
  });
});
