// Publishes one claimed batch and says what became of each row: published, failed permanently (with its
// reason), or released (not counted: transient failure, or held back behind an earlier row of its key).
//
// Per-key order: once a row of a (topic, partition key) fails or is held, every later row of that key in
// the batch is held too, so nothing overtakes it; the held rows come back in id order in the next claim.
// Rows without any key carry no order promise and are never held.
import type { OutboxRow, RowFailure } from '../db/store.js';
import { PublishError } from '../errors.js';
import type { Logger } from '../logger.js';
import { toPublishError } from '../kafka/error-table.js';
import type { Partitioner } from '../kafka/partitioners.js';
import type { Publisher } from '../kafka/publisher.js';
import { chunkMessages, type Sized } from './chunks.js';
import { orderingKey, prepareRow } from './prepare.js';

export interface BatchOutcome {
  published: string[];
  failures: RowFailure[];
  released: string[];
  /** The transient error that stopped the batch, if one did. */
  transient?: PublishError;
}

export interface PublishBatchDeps {
  publisher: Pick<Publisher, 'topics' | 'send'>;
  partitioner: Partitioner;
  logger: Logger;
}

function keyOf(row: Pick<OutboxRow, 'topic' | 'key' | 'partitionKey'>): string | undefined {
  const key = orderingKey(row);
  return key === '' ? undefined : `${row.topic}\u0000${key}`;
}

export function createBatchPublisher(
  deps: PublishBatchDeps,
): (rows: readonly OutboxRow[]) => Promise<BatchOutcome> {
  // Keyless rows spread over partitions round robin, per topic.
  const roundRobin = new Map<string, number>();
  const choose =
    (topic: string): Partitioner =>
    (key, partitions) => {
      if (key !== '') return deps.partitioner(key, partitions);
      const next = roundRobin.get(topic) ?? 0;
      roundRobin.set(topic, next + 1);
      return next % partitions;
    };

  return async function publishBatch(rows) {
    const outcome: BatchOutcome = { published: [], failures: [], released: [] };
    const blocked = new Set<string>();
    // Built on the first failure only: a batch that goes out whole never looks a row up by id.
    let byId: Map<string, OutboxRow> | undefined;
    const rowOf = (id: string) => (byId ??= new Map(rows.map((r) => [r.id, r]))).get(id)!;
    const block = (id: string) => {
      const key = keyOf(rowOf(id));
      if (key !== undefined) blocked.add(key);
    };
    const held = (id: string) => {
      if (blocked.size === 0) return false;
      const key = keyOf(rowOf(id));
      return key !== undefined && blocked.has(key);
    };

    const names = new Set<string>();
    for (const row of rows) if (row.topic.trim() !== '') names.add(row.topic);
    let topics;
    try {
      topics = await deps.publisher.topics([...names]);
    } catch (error) {
      return { ...outcome, released: rows.map((r) => r.id), transient: asTransient(error) };
    }

    const ready: Sized[] = [];
    for (const row of rows) {
      if (held(row.id)) {
        outcome.released.push(row.id);
        continue;
      }
      const topic = topics.get(row.topic);
      const prepared = prepareRow(row, topic, choose(row.topic));
      if ('reason' in prepared) {
        outcome.failures.push({ id: row.id, reason: prepared.reason });
        block(row.id);
      } else {
        ready.push({
          message: prepared.message,
          size: prepared.size,
          maxMessageBytes: topic!.maxMessageBytes,
        });
      }
    }

    const chunks = chunkMessages(ready);
    for (let c = 0; c < chunks.length; c++) {
      const chunk =
        blocked.size === 0
          ? chunks[c]!
          : chunks[c]!.filter((item) => {
              if (!held(item.message.rowId)) return true;
              outcome.released.push(item.message.rowId);
              return false;
            });
      if (chunk.length === 0) continue;
      try {
        await deps.publisher.send(chunk.map((i) => i.message));
        for (const item of chunk) outcome.published.push(item.message.rowId);
        continue;
      } catch (error) {
        const failure = toPublishError(error);
        if (failure.retriable) {
          outcome.released.push(...rest(chunks, c, chunk));
          outcome.transient = failure;
          break;
        }
        // A permanent error the checks above did not foresee (the broker's own size check after
        // compression, a topic deleted a moment ago): find the culprit by sending this chunk one message
        // at a time. Partitions the failed request did write are sent again: duplicates, never loss.
        deps.logger.warn(
          { err: failure, rows: chunk.length },
          'batch rejected; sending its messages one by one',
        );
        const stopped = await sendOneByOne(chunk, outcome, { held, block, send: deps.publisher.send });
        if (stopped) {
          outcome.released.push(...rest(chunks, c + 1, []).filter((id) => !outcome.released.includes(id)));
          break;
        }
      }
    }
    return outcome;
  };
}

/** The ids of this chunk and of every later chunk. */
function rest(chunks: Sized[][], from: number, current: Sized[]): string[] {
  const ids = current.map((i) => i.message.rowId);
  for (let c = from + (current.length > 0 ? 1 : 0); c < chunks.length; c++) {
    ids.push(...chunks[c]!.map((i) => i.message.rowId));
  }
  return ids;
}

async function sendOneByOne(
  chunk: Sized[],
  outcome: BatchOutcome,
  ops: { held: (id: string) => boolean; block: (id: string) => void; send: Publisher['send'] },
): Promise<boolean> {
  for (let i = 0; i < chunk.length; i++) {
    const { message } = chunk[i]!;
    if (ops.held(message.rowId)) {
      outcome.released.push(message.rowId);
      continue;
    }
    try {
      await ops.send([message]);
      outcome.published.push(message.rowId);
    } catch (error) {
      const failure = toPublishError(error);
      if (failure.retriable) {
        outcome.released.push(...chunk.slice(i).map((s) => s.message.rowId));
        outcome.transient = failure;
        return true;
      }
      outcome.failures.push({ id: message.rowId, reason: failure.message });
      ops.block(message.rowId);
    }
  }
  return false;
}

/** Reading topic metadata only fails for reasons outside the rows (outage, rights): never counted. */
function asTransient(error: unknown): PublishError {
  const wrapped = toPublishError(error);
  return wrapped.retriable
    ? wrapped
    : new PublishError(wrapped.message, wrapped.kafkaType, { retriable: true, cause: wrapped });
}
