// What a read-back has left to read of every partition, and the outbox ids it found (read-back.ts does the
// I/O). Pure: no I/O.
//
// A message counts when its offset is in [start, end) of its partition and its headers carry exactly one
// outbox-source equal to the table's identity and exactly one decimal outbox-id. Counting a message that is
// not this table's would mark a row published that never was (loss); missing one only sends it again (a
// duplicate). So nothing else is filtered out: not the timestamp (CreateTime is not monotonic within a
// partition: a message after start with an earlier timestamp still counts), not the key.
import type { IHeaders } from 'kafkajs';

export const SOURCE_HEADER = 'outbox-source';
export const ID_HEADER = 'outbox-id';

/** The outbox id a message carries when it carries the source; undefined otherwise. */
export function outboxIdOf(headers: IHeaders | undefined, source: string): string | undefined {
  if (!headers) return undefined;
  const from = single(headers[SOURCE_HEADER]);
  if (from !== source) return undefined;
  const id = single(headers[ID_HEADER]);
  return id !== undefined && /^[0-9]+$/.test(id) ? id : undefined;
}

function single(value: IHeaders[string]): string | undefined {
  if (value === undefined || Array.isArray(value)) return undefined;
  return Buffer.isBuffer(value) ? value.toString('utf8') : value;
}

interface Range {
  topic: string;
  partition: number;
  start: bigint;
  end: bigint;
  position: bigint;
}

/** Offsets per partition, as kafkajs's admin gives them. */
export type PartitionOffsets = ReadonlyArray<{ partition: number; offset: string; low?: string }>;

/** What is left to read of every partition, and what was found. Pure: no I/O. */
export class ReadBackProgress {
  readonly ids = new Set<string>();
  messages = 0;
  private readonly ranges = new Map<string, Range>();

  constructor(private readonly source: string) {}

  /** Plans a topic's partitions: those whose start is below their end are to be read. */
  plan(topic: string, ends: PartitionOffsets, starts: PartitionOffsets): void {
    for (const { partition, offset, low } of ends) {
      const end = BigInt(offset);
      const found = starts.find((s) => s.partition === partition);
      // A partition missing from the by-timestamp answer is read from its beginning: never skip one.
      const start = BigInt(found?.offset ?? low ?? '0');
      if (start < end)
        this.ranges.set(key(topic, partition), { topic, partition, start, end, position: start });
    }
  }

  /** The partitions to read, each with where to read it from now. */
  pending(): Array<{ topic: string; partition: number; offset: string }> {
    return [...this.ranges.values()]
      .filter((r) => r.position < r.end)
      .map((r) => ({ topic: r.topic, partition: r.partition, offset: r.position.toString() }));
  }

  /** Whether the partition is read to its end, or has nothing to read. */
  finished(topic: string, partition: number): boolean {
    const range = this.ranges.get(key(topic, partition));
    return !range || range.position >= range.end;
  }

  /** Counts the messages of a fetched batch that fall in the partition's range. */
  take(
    topic: string,
    partition: number,
    messages: ReadonlyArray<{ offset: string; headers?: IHeaders }>,
  ): void {
    const range = this.ranges.get(key(topic, partition));
    if (!range) return;
    for (const message of messages) {
      const offset = BigInt(message.offset);
      // Below the position: already counted (a batch fetched again); from end on: not this read-back's.
      if (offset < range.position || offset >= range.end) continue;
      range.position = offset + 1n;
      this.messages++;
      const id = outboxIdOf(message.headers, this.source);
      if (id !== undefined) this.ids.add(id);
    }
  }

  /** Moves the partition's position to the offset after the last one fetched; true once it is read. */
  advance(topic: string, partition: number, lastOffset: string): boolean {
    const range = this.ranges.get(key(topic, partition));
    if (!range) return true;
    const next = BigInt(lastOffset) + 1n;
    if (next > range.position) range.position = next;
    return range.position >= range.end;
  }

  done(): boolean {
    return this.pending().length === 0;
  }

  /** Partitions with something to read. */
  partitions(): number {
    return this.ranges.size;
  }

  /** Topics with a partition in the plan. */
  topics(): string[] {
    return [...new Set([...this.ranges.values()].map((r) => r.topic))];
  }

  /** Of the requested topics, those not read to the end (all of them while the plan is not complete). */
  unfinished(requested: readonly string[], planned: boolean): string[] {
    if (!planned) return [...requested];
    const open = new Set(this.pending().map((p) => p.topic));
    return requested.filter((t) => open.has(t));
  }
}

const key = (topic: string, partition: number) => `${partition}\u0000${topic}`;
