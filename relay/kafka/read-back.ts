// Reads back what the topics received since the oldest pending row was created, and collects the outbox ids
// of this table's messages. A relay that takes over rows (after a crash, at start, or with shares of the key
// space) marks those rows published instead of sending them again: a crash between the broker's ack and the
// mark no longer makes the next relay send them twice.
//
// What is read: [start, end) of every partition of the topics, where end is the partition's last stable
// offset when the read-back starts (admin fetchTopicOffsets: the high watermark unless a transaction is
// open) and start the first offset with a timestamp at or after sinceMs (fetchTopicOffsetsByTimestamp).
// What counts is read-back-progress.ts's rule. Topics that do not exist are skipped; partitions with start
// >= end, and requests where every partition has, cost no consumer at all.
//
// kafkajs 2.2.4 has no assign(): the partitions are read by a consumer of a throwaway group (its own UUID,
// never committed to: autoCommit false), positioned by seek() when it joins (the GROUP_JOIN event is emitted
// synchronously before the first fetch), each partition paused once read to its end. Offsets may have gaps
// (compaction, transaction markers): a partition is read once the consumer's position reaches end, which
// END_BATCH_PROCESS reports also for batches of control records only (those never reach eachBatch). The
// group is left and deleted at the end; needs Read on the topics and Read and Delete on the groups named
// READ_BACK_GROUP_PREFIX*.
//
// Cost: the group's first join. The broker holds a new group's first join for
// group.initial.rebalance.delay.ms (3 s by default, 0 on the local broker) whatever the client sets; the
// rest is a few round trips (bench/relay/read-back.ts, bench/RESULTS.md).
import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { PublishError } from '../errors.js';
import type { Logger } from '../logger.js';
import { ReadBackProgress } from './read-back-progress.js';

export interface ReadBackRequest {
  /** The topics of the pending rows. */
  topics: string[];
  /** Epoch ms: messages with an earlier timestamp are not looked at. */
  sinceMs: number;
  /** The outbox-source value a message must carry to count. */
  source: string;
}

export interface ReadBackResult {
  /** outbox-id values found (decimal strings), distinct, of messages with the source. */
  ids: string[];
  /** Messages read. */
  messages: number;
  /** Partitions read. */
  partitions: number;
  /** How long it took. */
  ms: number;
}

export type ReadBack = (request: ReadBackRequest) => Promise<ReadBackResult>;

export interface ReadBackDeps {
  kafka: Kafka;
  logger: Logger;
  /** How long a read-back may take before it gives up (default READ_BACK_TIMEOUT_MS). */
  timeoutMs?: number;
}

export const READ_BACK_TIMEOUT_MS = 30_000;
export const READ_BACK_GROUP_PREFIX = 'outbox-relay-read-back-';

/**
 * A read-back that did not finish: it timed out, or Kafka failed it. Retriable; the caller sends the rows
 * instead (duplicates possible, never loss).
 */
export class ReadBackError extends PublishError {
  constructor(
    /** The requested topics not read to their end. */
    readonly unfinished: string[],
    readonly timedOut: boolean,
    message: string,
    options: { cause?: unknown; kafkaType?: string } = {},
  ) {
    super(`read-back ${message}; topics not finished: ${unfinished.join(', ')}`, options.kafkaType, {
      retriable: true,
      cause: options.cause,
    });
  }
}

// Measured on the local broker (bench/RESULTS.md): these take the time to the first fetch from 3.1 s with
// kafkajs's defaults to the round trips alone. sessionTimeout is the broker's minimum
// (group.min.session.timeout.ms); maxWaitTimeInMs bounds each fetch once every partition is paused, so
// that stopping the consumer waits for no more than that.
const CONSUMER_TUNING = {
  sessionTimeout: 6000,
  rebalanceTimeout: 6000,
  heartbeatInterval: 2000,
  maxWaitTimeInMs: 50,
  minBytes: 1,
  maxBytesPerPartition: 4 * 1024 * 1024,
  allowAutoTopicCreation: false,
} as const;

const TIMED_OUT = Symbol('timed out');

export function createReadBack(deps: ReadBackDeps): ReadBack {
  const log = deps.logger.child({ component: 'read-back' });
  const timeoutMs = deps.timeoutMs ?? READ_BACK_TIMEOUT_MS;
  return async (request) => {
    const started = Date.now();
    const topics = [...new Set(request.topics)];
    const run = new ReadBackRun(deps.kafka, request, topics, log);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(TIMED_OUT), timeoutMs);
    });
    try {
      await Promise.race([run.read(), timeout]);
    } catch (error) {
      // A run cut short is closed in the background: the broker may be the reason it was slow.
      void run.close();
      if (error === TIMED_OUT) throw run.error(`did not finish within ${timeoutMs} ms`, true, run.failure);
      throw run.error(`failed: ${describe(error)}`, false, error);
    } finally {
      clearTimeout(timer);
    }
    await run.close();
    const result: ReadBackResult = {
      ids: [...run.progress.ids],
      messages: run.progress.messages,
      partitions: run.progress.partitions(),
      ms: Date.now() - started,
    };
    log.info(
      {
        topics,
        missing: run.missing,
        partitions: result.partitions,
        messages: result.messages,
        ids: result.ids.length,
        ms: result.ms,
        phases: run.phases,
      },
      'read back the messages sent since the oldest pending row',
    );
    return result;
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Milliseconds each step took: the offsets, the group join, the fetches, leaving and deleting the group. */
export interface ReadBackPhases {
  offsetsMs?: number;
  joinMs?: number;
  fetchMs?: number;
  closeMs?: number;
}

/** One read-back: its clients, its plan and what it found. */
class ReadBackRun {
  readonly progress: ReadBackProgress;
  missing: string[] = [];
  failure: unknown;
  readonly phases: ReadBackPhases = {};
  private planned = false;
  private admin: Admin | undefined;
  private consumer: Consumer | undefined;
  private readonly groupId = `${READ_BACK_GROUP_PREFIX}${randomUUID()}`;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly request: ReadBackRequest,
    private readonly topics: string[],
    private readonly log: Logger,
  ) {
    this.progress = new ReadBackProgress(request.source);
  }

  async read(): Promise<void> {
    if (this.topics.length === 0) return;
    const started = Date.now();
    const admin = this.open(
      this.kafka.admin({ retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 } }),
    );
    this.admin = admin;
    await admin.connect();
    // All topics rather than the wanted ones: kafkajs fails every later metadata request of a client that
    // was once asked about a topic that does not exist.
    const existing = new Set(await admin.listTopics());
    this.missing = this.topics.filter((t) => !existing.has(t));
    await Promise.all(
      this.topics
        .filter((t) => existing.has(t))
        .map(async (topic) => {
          const ends = await admin.fetchTopicOffsets(topic);
          const starts = await admin.fetchTopicOffsetsByTimestamp(topic, this.request.sinceMs);
          this.progress.plan(topic, ends, starts);
        }),
    );
    this.planned = true;
    this.phases.offsetsMs = Date.now() - started;
    if (this.progress.done()) return;
    await this.consume();
  }

  private async consume(): Promise<void> {
    const { progress, phases } = this;
    const started = Date.now();
    let joined = started;
    const consumer = this.open(
      this.kafka.consumer({
        groupId: this.groupId,
        ...CONSUMER_TUNING,
        // A crash ends the read-back (the caller sends instead): no restart behind its back.
        retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000, restartOnFailure: async () => false },
      }),
    );
    this.consumer = consumer;
    const finished = new Promise<void>((resolve, reject) => {
      const settle = () => {
        if (!progress.done()) return;
        phases.fetchMs ??= Date.now() - joined;
        resolve();
      };
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        this.failure = payload.error;
        reject(payload.error);
      });
      // Before the first fetch (and again after any rebalance): every partition where it is to be read from,
      // the others paused.
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
        joined = Date.now();
        phases.joinMs ??= joined - started;
        for (const p of progress.pending()) consumer.seek(p);
        for (const [topic, partitions] of Object.entries(payload.memberAssignment)) {
          const idle = partitions.filter((partition) => progress.finished(topic, partition));
          if (idle.length > 0) consumer.pause([{ topic, partitions: idle }]);
        }
        settle();
      });
      // After every batch, including those of control records only, which never reach eachBatch.
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        if (progress.advance(payload.topic, payload.partition, payload.lastOffset)) {
          consumer.pause([{ topic: payload.topic, partitions: [payload.partition] }]);
        }
        settle();
      });
    });
    // A crash may come before anything waits on it.
    finished.catch(() => undefined);
    await consumer.connect();
    await consumer.subscribe({ topics: progress.topics(), fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }: EachBatchPayload) => {
        progress.take(batch.topic, batch.partition, batch.messages);
      },
    });
    await finished;
  }

  /** A client opened while the run was being closed is closed as well. */
  private open<C extends Admin | Consumer>(client: C): C {
    if (this.closing) {
      void client.disconnect().catch(() => undefined);
      throw new Error('read-back closed');
    }
    return client;
  }

  error(message: string, timedOut: boolean, cause: unknown): ReadBackError {
    const kafkaType = (cause as { type?: unknown } | undefined)?.type;
    return new ReadBackError(this.progress.unfinished(this.topics, this.planned), timedOut, message, {
      ...(cause === undefined ? {} : { cause }),
      ...(typeof kafkaType === 'string' ? { kafkaType } : {}),
    });
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const started = Date.now();
      const { consumer, admin } = this;
      if (consumer) {
        // Leaves the group; then the group, never committed to, is deleted at once rather than when the
        // coordinator next expires empty groups.
        await consumer.disconnect().catch((err: unknown) => this.log.debug({ err }, 'read-back consumer'));
        await admin
          ?.deleteGroups([this.groupId])
          .catch((err: unknown) =>
            this.log.debug({ err, groupId: this.groupId }, 'read-back group not deleted'),
          );
      }
      await admin?.disconnect().catch(() => undefined);
      this.phases.closeMs = Date.now() - started;
    })();
    return this.closing;
  }
}
