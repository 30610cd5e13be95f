// The consumer of a read-back (read-back.ts): the offsets to read, a consumer to read them, and its end.
//
// kafkajs 2.2.4 has no assign(): the partitions are read by a consumer of a throwaway group (its own UUID,
// never committed to: autoCommit false), positioned by seek() when it joins (the GROUP_JOIN event is emitted
// synchronously before the first fetch), each partition paused once read to its end. Offsets may have gaps
// (compaction, transaction markers): a partition is read once the consumer's position reaches end, which
// END_BATCH_PROCESS reports also for batches of control records only (those never reach eachBatch). The
// group is left and deleted at the end; needs Read on the topics and Read and Delete on the groups named
// READ_BACK_GROUP_PREFIX*.
import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from '../logger.js';
import { ReadBackProgress } from './read-back-progress.js';
import type { ReadBackRequest } from './read-back.js';

export const READ_BACK_GROUP_PREFIX = 'outbox-relay-read-back-';

// Measured on the local broker (bench/RESULTS.md, "Read-back"): with kafkajs's defaults a read-back takes
// as long as with these (1,000 messages: join 7-11 ms, close 7-18 ms either way; 4 MiB per partition rather
// than 1 MiB changed nothing at 100,000 messages): the join is a few round trips whatever the client sets,
// and the stop is quick because the last batch ends the read before another fetch starts. These bound the
// cases that can be slow: maxWaitTimeInMs, a fetch the broker holds while no unread partition has data (a
// range whose records were all compacted away, or a stop after a timeout); sessionTimeout at the broker's
// minimum (group.min.session.timeout.ms), the life of the member of a relay that died reading;
// rebalanceTimeout, above group.initial.rebalance.delay.ms, for kafkajs waits for a join that long plus 5 s.
const CONSUMER_TUNING = {
  sessionTimeout: 6000,
  rebalanceTimeout: 6000,
  heartbeatInterval: 2000,
  maxWaitTimeInMs: 100,
  allowAutoTopicCreation: false,
} as const;

/** Milliseconds each step took: the offsets, the group join, the fetches, leaving and deleting the group. */
export interface ReadBackPhases {
  offsetsMs?: number;
  joinMs?: number;
  fetchMs?: number;
  closeMs?: number;
}

/** One read-back: its clients, its plan and what it found. */
export class ReadBackRun {
  readonly progress: ReadBackProgress;
  missing: string[] = [];
  failure: unknown;
  readonly phases: ReadBackPhases = {};
  private planned = false;
  private admin: Admin | undefined;
  private consumer: Consumer | undefined;
  readonly groupId = `${READ_BACK_GROUP_PREFIX}${randomUUID()}`;
  private reading: Promise<void> | undefined;
  private starting: Promise<void> | undefined;
  private abort: ((reason: Error) => void) | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly request: ReadBackRequest,
    private readonly topics: string[],
    private readonly log: Logger,
  ) {
    this.progress = new ReadBackProgress(request.source);
  }

  read(): Promise<void> {
    this.reading ??= this.plan().then(() => (this.progress.done() ? undefined : this.consume()));
    return this.reading;
  }

  private async plan(): Promise<void> {
    if (this.topics.length === 0) return;
    const started = Date.now();
    const admin = this.open(
      this.kafka.admin({ retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 } }),
    );
    this.admin = admin;
    await admin.connect();
    // All topics rather than the wanted ones: kafkajs fails every later metadata request of a client that
    // was once asked about a topic that does not exist.
    const existing = new Set(await this.unlessClosed(admin.listTopics()));
    this.missing = this.topics.filter((t) => !existing.has(t));
    await Promise.all(
      this.topics
        .filter((t) => existing.has(t))
        .map(async (topic) => {
          const ends = await this.unlessClosed(admin.fetchTopicOffsets(topic));
          const since = this.request.sinceByTopic?.[topic] ?? this.request.sinceMs;
          const starts = await this.unlessClosed(admin.fetchTopicOffsetsByTimestamp(topic, since));
          this.progress.plan(topic, ends, starts);
        }),
    );
    this.planned = true;
    this.phases.offsetsMs = Date.now() - started;
  }

  private async consume(): Promise<void> {
    const consumer = this.open(
      this.kafka.consumer({
        groupId: this.groupId,
        ...CONSUMER_TUNING,
        // A crash ends the read-back (the caller sends instead): no restart behind its back.
        retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000, restartOnFailure: async () => false },
      }),
    );
    this.consumer = consumer;
    const finished = this.watch(consumer);
    // A crash may come before anything waits on it.
    finished.catch(() => undefined);
    this.starting = (async () => {
      await consumer.connect();
      await consumer.subscribe({ topics: this.progress.topics(), fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }: EachBatchPayload) => {
          this.progress.take(batch.topic, batch.partition, batch.messages);
        },
      });
    })();
    await this.starting;
    await finished;
  }

  /** Resolves once every partition is read; rejects on a crash or when the run is closed. */
  private watch(consumer: Consumer): Promise<void> {
    const { progress, phases } = this;
    const started = Date.now();
    let joined = started;
    return new Promise<void>((resolve, reject) => {
      this.abort = reject;
      const settle = () => {
        if (!progress.done()) return;
        phases.fetchMs ??= Date.now() - joined;
        resolve();
      };
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        this.failure = payload.error;
        reject(payload.error);
      });
      // Before the first fetch (and again after any rebalance): every partition where it is to be read
      // from, the others paused.
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
  }

  /** A client opened while the run is being closed is closed as well. */
  private open<C extends Admin | Consumer>(client: C): C {
    if (this.closing) {
      void client.disconnect().catch(() => undefined);
      throw new Error('read-back closed');
    }
    return client;
  }

  /** What a request resolved to, unless the run was closed meanwhile: then no further request goes out. */
  private async unlessClosed<T>(request: Promise<T>): Promise<T> {
    const value = await request;
    if (this.closing) throw new Error('read-back closed');
    return value;
  }

  /** The requested topics not read to their end. */
  unfinished(): string[] {
    return this.progress.unfinished(this.topics, this.planned);
  }

  /**
   * Stops the consumer once it has joined (kafkajs's stop() does nothing to a consumer still joining, which
   * would go on fetching), lets the read end, leaves and deletes the group, and disconnects the admin.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const started = Date.now();
      this.abort?.(new Error('read-back closed'));
      await this.starting?.catch(() => undefined);
      const { consumer } = this;
      if (consumer) {
        await consumer.disconnect().catch((err: unknown) => this.log.debug({ err }, 'read-back consumer'));
      } else {
        // Still planning: its admin's requests may be what is slow; nothing else needs the admin.
        await this.admin?.disconnect().catch(() => undefined);
      }
      await this.reading?.catch(() => undefined);
      // The group, never committed to, is deleted at once rather than when the coordinator next expires
      // empty groups.
      if (consumer) {
        await this.admin
          ?.deleteGroups([this.groupId])
          .catch((err: unknown) =>
            this.log.debug({ err, groupId: this.groupId }, 'read-back group not deleted'),
          );
      }
      await this.admin?.disconnect().catch(() => undefined);
      this.phases.closeMs = Date.now() - started;
    })();
    return this.closing;
  }
}
