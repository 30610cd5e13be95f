// Turns an outbox row into a Kafka message, or says why it never can be (a poison row). Pure: no I/O.
import type { OutboxRow } from '../db/store.js';
import type { OutgoingMessage } from '../kafka/publisher.js';
import type { TopicInfo } from '../kafka/topic-metadata.js';

// Bytes a record and a record batch take beyond their data (Kafka's v2 format: 61 bytes of batch header,
// up to ~21 bytes of record framing, a few bytes per header). Over-estimated on purpose: a row we call too
// large is one the broker would reject too.
export const BATCH_OVERHEAD_BYTES = 61;
const RECORD_OVERHEAD_BYTES = 24;
const HEADER_OVERHEAD_BYTES = 10;

/** The key choosing the partition and the per-key order: partition_key, else key ('' means none). */
export function orderingKey(row: Pick<OutboxRow, 'key' | 'partitionKey'>): string {
  return row.partitionKey !== '' ? row.partitionKey : row.key;
}

/** payload_headers as Kafka headers: '' or '{}' means none; a JSON object's members, values stringified. */
export function parseHeaders(text: string): Record<string, string> | { error: string } {
  if (text === '{}' || text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { error: 'payload_headers is not valid JSON' };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { error: 'payload_headers is not a JSON object' };
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    // As the Go relay: strings as they are, anything else as its JSON text.
    headers[name] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return headers;
}

export function messageSize(m: Pick<OutgoingMessage, 'key' | 'value' | 'headers'>): number {
  let size = RECORD_OVERHEAD_BYTES + m.value.length + (m.key?.length ?? 0);
  for (const [name, value] of Object.entries(m.headers)) {
    size += HEADER_OVERHEAD_BYTES + Buffer.byteLength(name) + Buffer.byteLength(value);
  }
  return size;
}

export type Prepared = { message: OutgoingMessage; size: number } | { reason: string };

export function prepareRow(
  row: OutboxRow,
  topic: TopicInfo | null | undefined,
  choosePartition: (key: string, partitions: number) => number,
  source?: string,
): Prepared {
  if (row.defect !== undefined) return { reason: row.defect };
  if (row.topic.trim() === '') return { reason: 'topic is empty' };
  const headers = parseHeaders(row.headers);
  if ('error' in headers) return { reason: headers.error };
  if (!topic) return { reason: `topic ${row.topic} does not exist` };
  const message: OutgoingMessage = {
    rowId: row.id,
    topic: row.topic,
    partition: choosePartition(orderingKey(row), topic.partitions),
    key: row.key === '' ? null : Buffer.from(row.key, 'utf8'),
    value: row.payload,
    headers,
  };
  // Every message says which row it came from, so consumers can drop the duplicates a crash can cause.
  // (parseHeaders returns a new object for every row.)
  headers['outbox-id'] = row.id;
  // And, given the outbox table's identity, which table: ids alone are ambiguous when several databases or
  // tables write one topic, and a read-back after a crash counts only this table's messages as sent.
  if (source !== undefined) headers['outbox-source'] = source;
  const size = messageSize(message);
  if (size + BATCH_OVERHEAD_BYTES > topic.maxMessageBytes) {
    return {
      reason: `message of ${size} bytes exceeds the topic's max.message.bytes (${topic.maxMessageBytes})`,
    };
  }
  return { message, size };
}
