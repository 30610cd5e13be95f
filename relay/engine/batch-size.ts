// How many rows the loop asks for in its next read. A batch that comes back full means a backlog: the next
// read asks for twice as many, up to MAX_BATCH_SIZE, so that a drain goes out in few large produce requests
// and few statements (bench/RESULTS.md has the measurements). A batch that comes back short means the
// backlog is gone: the next read asks for BATCH_SIZE again, so a trickle of rows keeps small batches and
// low latency.
//
// The growth is also bounded by bytes: the next read asks for no more rows than the bytes of the last
// batch's rows, on average, allow within MAX_BATCH_BYTES, so that large payloads do not make the relay hold
// thousands of them at once (the batch in flight, the one read ahead and their messages).
import type { OutboxRow } from '../db/store.js';

/** The most payload, headers and key bytes a grown batch is to hold (estimated from the last batch). */
export const MAX_BATCH_BYTES = 8 * 1024 * 1024;

export interface BatchSizeOptions {
  /** The size of a read when there is no backlog (BATCH_SIZE). */
  base: number;
  /** The largest a read grows to under a backlog (at least `base`). */
  max: number;
  maxBytes?: number;
}

type SizedRow = Pick<OutboxRow, 'payload' | 'headers' | 'key'>;

/** The bytes a row holds in memory, roughly: what it carries to Kafka. */
function rowBytes(row: SizedRow): number {
  return (row.payload?.length ?? 0) + (row.headers?.length ?? 0) + (row.key?.length ?? 0);
}

export class BatchSize {
  private current: number;
  private readonly base: number;
  private readonly max: number;
  private readonly maxBytes: number;

  constructor(options: BatchSizeOptions) {
    this.base = options.base;
    this.max = Math.max(options.base, options.max);
    this.maxBytes = options.maxBytes ?? MAX_BATCH_BYTES;
    this.current = this.base;
  }

  /** The number of rows to ask for next. */
  next(): number {
    return this.current;
  }

  /** Takes in what a read asked for and what it returned: grows after a full batch, else starts over. */
  observe(asked: number, rows: readonly SizedRow[]): void {
    if (rows.length < asked) {
      this.current = this.base;
      return;
    }
    let bytes = 0;
    for (const row of rows) bytes += rowBytes(row);
    const perRow = Math.max(1, bytes / Math.max(1, rows.length));
    const byBytes = Math.floor(this.maxBytes / perRow);
    this.current = Math.max(this.base, Math.min(asked * 2, this.max, byBytes));
  }
}
