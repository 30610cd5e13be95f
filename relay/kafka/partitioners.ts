// Partition choice by key, computed by the relay itself (not left to the client) so that both of the
// algorithms users depend on are available. The key is partition_key, or key when partition_key is ''.
// Rows with neither go to a partition chosen round robin (the order of keyless rows is not a promise).

/** FNV-1a 32-bit, as Go's hash/fnv New32a. */
export function fnv1a32(data: Buffer): number {
  let hash = 0x811c9dc5;
  for (const byte of data) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** murmur2 as the Java client's Utils.murmur2 (and kafkajs's default partitioner): a signed 32-bit result. */
export function murmur2(data: Buffer): number {
  const seed = 0x9747b28c;
  const m = 0x5bd1e995;
  const r = 24;
  const length = data.length;
  let h = seed ^ length;
  const length4 = Math.floor(length / 4);
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k =
      (data[i4]! & 0xff) +
      ((data[i4 + 1]! & 0xff) << 8) +
      ((data[i4 + 2]! & 0xff) << 16) +
      ((data[i4 + 3]! & 0xff) << 24);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const rest = length % 4;
  const tail = length & ~3;
  if (rest === 3) h ^= (data[tail + 2]! & 0xff) << 16;
  if (rest >= 2) h ^= (data[tail + 1]! & 0xff) << 8;
  if (rest >= 1) {
    h ^= data[tail]! & 0xff;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

export type PartitionerName = 'murmur2' | 'fnv1a';
export type Partitioner = (key: string, partitions: number) => number;

/** The Java client's choice: (murmur2(key) & 0x7fffffff) % n. */
export const murmur2Partitioner: Partitioner = (key, partitions) =>
  (murmur2(Buffer.from(key, 'utf8')) & 0x7fffffff) % partitions;

/** The Go relay's choice (sarama's hash partitioner): FNV-1a as a signed int32, % n, negated if negative. */
export const fnv1aPartitioner: Partitioner = (key, partitions) => {
  const signed = fnv1a32(Buffer.from(key, 'utf8')) | 0;
  // Math.abs rather than a negation so that 0 stays 0 and not -0.
  return Math.abs(signed % partitions);
};

export function partitionerNamed(name: PartitionerName): Partitioner {
  return name === 'fnv1a' ? fnv1aPartitioner : murmur2Partitioner;
}
