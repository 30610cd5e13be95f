// Splits a batch's messages into as few produce requests as possible. kafkajs writes all messages of one
// partition in a send as one record batch, and the broker rejects a record batch larger than the topic's
// max.message.bytes, so each chunk keeps every partition's share under that limit (measured before
// compression: conservative). Order is kept: chunks are sent one after the other.
import type { OutgoingMessage } from '../kafka/publisher.js';
import { BATCH_OVERHEAD_BYTES } from './prepare.js';

// Far below the broker's socket.request.max.bytes (100 MB) and kafkajs's buffers.
export const MAX_REQUEST_BYTES = 32 * 1024 * 1024;

export interface Sized {
  message: OutgoingMessage;
  size: number;
  maxMessageBytes: number;
}

export function chunkMessages(items: readonly Sized[], maxRequestBytes = MAX_REQUEST_BYTES): Sized[][] {
  if (fitsWhole(items, maxRequestBytes)) return items.length > 0 ? [[...items]] : [];
  const chunks: Sized[][] = [];
  let current: Sized[] = [];
  let perPartition = new Map<string, number>();
  let total = 0;
  for (const item of items) {
    const partition = `${item.message.topic}\u0000${item.message.partition}`;
    const used = perPartition.get(partition) ?? BATCH_OVERHEAD_BYTES;
    if (
      current.length > 0 &&
      (used + item.size > item.maxMessageBytes || total + item.size > maxRequestBytes)
    ) {
      chunks.push(current);
      current = [];
      perPartition = new Map();
      total = 0;
    }
    current.push(item);
    perPartition.set(partition, (perPartition.get(partition) ?? BATCH_OVERHEAD_BYTES) + item.size);
    total += item.size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** The usual case: the whole batch under every limit, whatever its partitions (no per-partition sums). */
function fitsWhole(items: readonly Sized[], maxRequestBytes: number): boolean {
  let total = BATCH_OVERHEAD_BYTES;
  let limit = maxRequestBytes;
  for (const item of items) {
    total += item.size;
    if (item.maxMessageBytes < limit) limit = item.maxMessageBytes;
  }
  return total <= limit;
}
