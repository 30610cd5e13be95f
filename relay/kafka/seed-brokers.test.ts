import net from 'node:net';
import { seedBrokers, socketFactory } from './seed-brokers.js';

describe('seed brokers', () => {
  it('hands kafkajs an IPv6 seed under a stand-in name, and the other seeds as they are', () => {
    const seeds = seedBrokers(['k:9092', '[::1]:9093', '[fe80::1:2]:9094']);
    expect(seeds.brokers).toEqual(['k:9092', 'ipv6-seed-0.invalid:9093', 'ipv6-seed-1.invalid:9094']);
    // kafkajs splits each at ':' for its host and port (cluster/connectionPoolBuilder.js).
    expect(seeds.brokers.map((b) => b.split(':').length)).toEqual([2, 2, 2]);
    expect([...seeds.addresses]).toEqual([
      ['ipv6-seed-0.invalid', '::1'],
      ['ipv6-seed-1.invalid', 'fe80::1:2'],
    ]);
  });

  it('connects a stand-in name to its IPv6 address', async () => {
    const server = net.createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '::1', resolve));
    const { port } = server.address() as net.AddressInfo;
    const { addresses } = seedBrokers([`[::1]:${port}`]);
    const connect = socketFactory(addresses);
    try {
      const remote = await new Promise<string | undefined>((resolve, reject) => {
        const socket = connect({
          host: 'ipv6-seed-0.invalid',
          port,
          ssl: undefined as never,
          onConnect: () => {
            resolve(socket.remoteAddress);
            socket.destroy();
          },
        });
        socket.once('error', reject);
      });
      expect(remote).toBe('::1');
    } finally {
      server.close();
    }
  });
});
