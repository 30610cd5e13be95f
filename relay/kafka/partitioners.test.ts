import { fnv1a32, fnv1aPartitioner, murmur2Partitioner, partitionerNamed } from './partitioners.js';

// The vectors of the Go relay compatibility notes, computed from the two published algorithms.
const VECTORS = [
  { key: 'SKU-123', fnv: 'b635a24b', go3: 0, go12: 9, mm3: 2, mm12: 8 },
  { key: 'UPDATE-SKU-123', fnv: '8f8d2195', go3: 0, go12: 3, mm3: 2, mm12: 2 },
  { key: 'order-42', fnv: '572446f4', go3: 2, go12: 8, mm3: 0, mm12: 0 },
  { key: 'a', fnv: 'e40c292c', go3: 0, go12: 0, mm3: 1, mm12: 4 },
  { key: 'customer-7f3c', fnv: '90a0a943', go3: 1, go12: 1, mm3: 0, mm12: 0 },
];

describe('partitioners', () => {
  it.each(VECTORS)('hashes $key with FNV-1a 32 to $fnv', ({ key, fnv }) => {
    expect(fnv1a32(Buffer.from(key)).toString(16).padStart(8, '0')).toBe(fnv);
  });

  it.each(VECTORS)('puts $key where the Go relay did ($go3 of 3, $go12 of 12)', ({ key, go3, go12 }) => {
    expect(fnv1aPartitioner(key, 3)).toBe(go3);
    expect(fnv1aPartitioner(key, 12)).toBe(go12);
  });

  it.each(VECTORS)('puts $key where the Java client does ($mm3 of 3, $mm12 of 12)', ({ key, mm3, mm12 }) => {
    expect(murmur2Partitioner(key, 3)).toBe(mm3);
    expect(murmur2Partitioner(key, 12)).toBe(mm12);
  });

  it('agrees with the partitioner kafkajs uses by default for keys of every length', async () => {
    const { Partitioners } = await import('kafkajs');
    const kafkajs = Partitioners.DefaultPartitioner();
    const partitionMetadata = Array.from({ length: 7 }, (_, i) => ({
      partitionId: i,
      leader: 0,
      partitionErrorCode: 0,
      replicas: [0],
      isr: [0],
    }));
    for (const key of ['', 'x', 'xy', 'xyz', 'wxyz', 'héllo wörld', 'a-much-longer-key-0123456789']) {
      const expected = kafkajs({ topic: 't', partitionMetadata, message: { key, value: null } });
      expect(murmur2Partitioner(key, 7)).toBe(expected);
    }
  });

  it('is chosen by KAFKA_PARTITIONER name', () => {
    expect(partitionerNamed('fnv1a')).toBe(fnv1aPartitioner);
    expect(partitionerNamed('murmur2')).toBe(murmur2Partitioner);
  });
});
