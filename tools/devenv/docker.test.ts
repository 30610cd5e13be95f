import { containerCidr, networkArgs } from './docker.js';
import { bridge } from './node/node-settings.js';

describe("dockerd's networking", () => {
  it('puts containers on the devenv bridge, below the addresses CNI hands pods', () => {
    const b = bridge({});
    expect(containerCidr(b)).toBe('10.244.77.0/26');
    // A /26 ends at .63; pods start at .64.
    expect(b.rangeStart).toBe('10.244.77.64');
  });

  it('follows a moved bridge subnet', () => {
    expect(containerCidr(bridge({ OUTBOX_RELAY_DEVENV_BRIDGE_SUBNET: '10.9.8.0/24' }))).toBe('10.9.8.0/26');
  });

  it('publishes ports on loopback only, through the userland proxy, touching no iptables rule', () => {
    expect(networkArgs(bridge({}))).toEqual([
      '--bridge=outbox0',
      '--fixed-cidr=10.244.77.0/26',
      '--ip=127.0.0.1',
      '--iptables=false',
      '--ip-forward=false',
      '--ip-masq=false',
      '--userland-proxy=true',
    ]);
  });
});
