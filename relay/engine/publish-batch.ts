// Publishes one claimed batch and says what became of each row: published, failed permanently (with its
// reason), parked (its topic is held: missing, or this relay may not write it) or released (not counted:
// a transient failure, or held back behind an earlier row of its key).
//
// Per-key order: once a row of a (topic, partition key) fails or is held, every later row of that key in
// the batch is held too, so nothing overtakes it; the held rows come back in id order in the next claim.
// A held topic parks every row of the topic in the batch, so its keys keep their order as well. Rows
// without any key carry no order promise and are never held behind a failure.
import type { OutboxRow, RowFailure } from '../db/store.js';
import { PublishError } from '../errors.js';
import type { Logger } from '../logger.js';
import { holdsTopic, toPublishError } from '../kafka/error-table.js';
import type { Partitioner } from '../kafka/partitioners.js';
import type { Publisher } from '../kafka/publisher.js';
import { chunkMessages, type Sized } from './chunks.js';
import { orderingKey, prepareRow } from './prepare.js';

/** A topic whose rows wait, uncounted, until it exists or may be written: the reason says which. */
export interface HeldTopic {
  topic: string;
  reason: string;
}

export interface BatchOutcome {
  published: string[];
  failures: RowFailure[];
  released: string[];
  /** Rows of held topics: not sent, not counted (absent means none). */
  parked?: string[];
  /** The topics held in this batch (absent means none). */
  held?: HeldTopic[];
  /** The transient error that stopped the batch, if one did. */
  transient?: PublishError;
}

export interface PublishBatchDeps {
  publisher: Pick<Publisher, 'topics' | 'send'>;
  partitioner: Partitioner;
  logger: Logger;
  /** The outbox table's identity: when given, every message carries it as header outbox-source. */
  source?: string;
}

function keyOf(row: Pick<OutboxRow, 'topic' | 'key' | 'partitionKey'>): string | undefined {
  const key = orderingKey(row);
  return key === '' ? undefined : `${row.topic}\u0000${key}`;
}

/** The reason a topic missing from the cluster's metadata is held. */
export function missingTopicReason(topic: string): string {
  return `UNKNOWN_TOPIC_OR_PARTITION: topic ${topic} is not in the cluster's metadata (it does not exist, or this relay may not describe it)`;
}

/** What one batch has come to so far: each row ends in exactly one list (released is what is left). */
class BatchState {
  readonly published: string[] = [];
  readonly failures: RowFailure[] = [];
  readonly parked: string[] = [];
  readonly held = new Map<string, string>();
  transient: PublishError | undefined;
  private readonly blocked = new Set<string>();
  private readonly byId: Map<string, OutboxRow>;

  constructor(readonly rows: readonly OutboxRow[]) {
    this.byId = new Map(rows.map((r) => [r.id, r]));
  }

  hold(topic: string, reason: string): void {
    if (!this.held.has(topic)) this.held.set(topic, reason);
  }

  fail(id: string, reason: string): void {
    this.failures.push({ id, reason });
    const key = keyOf(this.byId.get(id)!);
    if (key !== undefined) this.blocked.add(key);
  }

  /** Whether the row may still be sent; parks it when its topic is held. */
  admits(id: string): boolean {
    const row = this.byId.get(id)!;
    if (this.held.has(row.topic)) {
      this.parked.push(id);
      return false;
    }
    if (this.blocked.size === 0) return true;
    const key = keyOf(row);
    return key === undefined || !this.blocked.has(key);
  }

  outcome(): BatchOutcome {
    const settled = new Set([...this.published, ...this.parked, ...this.failures.map((f) => f.id)]);
    const outcome: BatchOutcome = {
      published: this.published,
      failures: this.failures,
      released: this.rows.map((r) => r.id).filter((id) => !settled.has(id)),
    };
    if (this.parked.length > 0) outcome.parked = this.parked;
    if (this.held.size > 0) outcome.held = [...this.held].map(([topic, reason]) => ({ topic, reason }));
    if (this.transient) outcome.transient = this.transient;
    return outcome;
  }
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
    const state = new BatchState(rows);
    const names = new Set<string>();
    for (const row of rows) if (row.defect === undefined && row.topic.trim() !== '') names.add(row.topic);
    let topics;
    try {
      topics = await deps.publisher.topics([...names]);
    } catch (error) {
      state.transient = asTransient(error);
      return state.outcome();
    }
    for (const [name, info] of topics) if (!info) state.hold(name, missingTopicReason(name));

    const ready: Sized[] = [];
    for (const row of rows) {
      // A row with a NULL column fails whatever its topic: it can never be sent as it is.
      if (row.defect === undefined && !state.admits(row.id)) continue;
      const topic = topics.get(row.topic);
      const prepared = prepareRow(row, topic, choose(row.topic), deps.source);
      if ('reason' in prepared) state.fail(row.id, prepared.reason);
      else
        ready.push({
          message: prepared.message,
          size: prepared.size,
          maxMessageBytes: topic!.maxMessageBytes,
        });
    }
    const send = createDelivery(state, deps);
    for (const chunk of chunkMessages(ready)) if (!(await send(chunk))) break;
    return state.outcome();
  };
}

/**
 * Sends a chunk, narrowing down on failure: a topic's error holds that topic (a chunk of several topics is
 * sent again one topic at a time to find which), a row's error is found by sending one message at a time,
 * a transient error stops the batch. Resolves false once the batch must stop. Partitions a failed request
 * did write are sent again: duplicates, never loss.
 */
function createDelivery(
  state: BatchState,
  deps: PublishBatchDeps,
): (items: readonly Sized[]) => Promise<boolean> {
  const deliver = async (items: readonly Sized[]): Promise<boolean> => {
    const live = items.filter((item) => state.admits(item.message.rowId));
    if (live.length === 0) return true;
    try {
      await deps.publisher.send(live.map((i) => i.message));
      for (const item of live) state.published.push(item.message.rowId);
      return true;
    } catch (error) {
      const failure = toPublishError(error);
      if (holdsTopic(failure)) {
        const topics = [...new Set(live.map((i) => i.message.topic))];
        if (topics.length === 1) {
          state.hold(topics[0]!, failure.message);
          return deliver(live);
        }
        return each(topics.map((t) => live.filter((i) => i.message.topic === t)));
      }
      if (failure.retriable) {
        state.transient = failure;
        return false;
      }
      if (live.length === 1) {
        state.fail(live[0]!.message.rowId, failure.message);
        return true;
      }
      deps.logger.warn(
        { err: failure, rows: live.length },
        'batch rejected; sending its messages one by one',
      );
      return each(live.map((item) => [item]));
    }
  };
  const each = async (groups: readonly (readonly Sized[])[]): Promise<boolean> => {
    for (const group of groups) if (!(await deliver(group))) return false;
    return true;
  };
  return deliver;
}

/** Reading topic metadata only fails for reasons outside the rows (outage, rights): never counted. */
function asTransient(error: unknown): PublishError {
  const wrapped = toPublishError(error);
  return wrapped.retriable
    ? wrapped
    : new PublishError(wrapped.message, wrapped.kafkaType, { retriable: true, cause: wrapped });
}
