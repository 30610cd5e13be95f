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
// Cost: the group's first join. The broker holds a new group's first join for
// group.initial.rebalance.delay.ms (3 s by default, 0 on the local broker) whatever the client sets; the
// rest is a few round trips (bench/relay/read-back.ts, bench/RESULTS.md). The consumer: read-back-run.ts.
import type { Kafka } from 'kafkajs';
import { PublishError } from '../errors.js';
import type { Logger } from '../logger.js';
import { ReadBackRun } from './read-back-run.js';

export interface ReadBackRequest {
  /** The topics of the pending rows. */
  topics: string[];
  /** Epoch ms: messages with an earlier timestamp are not looked at. */
  sinceMs: number;
  /** Per topic, a later start than sinceMs (its own oldest pending row): absent topics use sinceMs. */
  sinceByTopic?: Readonly<Record<string, number>>;
  /** The outbox-source value a message must carry to count. */
  source: string;
  /** Aborted when the relay stops: the read-back is closed and fails at once. */
  signal?: AbortSignal;
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

const TIMED_OUT = Symbol('timed out');
const STOPPED = Symbol('stopped');
/** How long a stopped read-back waits for its clients to close before it fails. */
const STOP_CLOSE_MS = 2_000;

export function createReadBack(deps: ReadBackDeps): ReadBack {
  const log = deps.logger.child({ component: 'read-back' });
  const timeoutMs = deps.timeoutMs ?? READ_BACK_TIMEOUT_MS;
  return async (request) => {
    const started = Date.now();
    const topics = [...new Set(request.topics)];
    const run = new ReadBackRun(deps.kafka, request, topics, log);
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(TIMED_OUT), timeoutMs);
      onAbort = () => reject(STOPPED);
      if (request.signal?.aborted) onAbort();
      request.signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([run.read(), timeout]);
    } catch (error) {
      // A run cut short is closed in the background: the broker may be the reason it was slow.
      const closing = run.close();
      if (error === STOPPED) {
        await within(closing, Math.min(STOP_CLOSE_MS, started + timeoutMs - Date.now()));
        throw failed(run, 'stopped: the relay is stopping', false, undefined);
      }
      if (error === TIMED_OUT) throw failed(run, `did not finish within ${timeoutMs} ms`, true, run.failure);
      throw failed(run, `failed: ${describe(error)}`, false, error);
    } finally {
      clearTimeout(timer);
      if (onAbort) request.signal?.removeEventListener('abort', onAbort);
    }
    // The ids are known: a close slower than the time left goes on in the background.
    await within(run.close(), started + timeoutMs - Date.now());
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
        ...(run.phases.joinMs === undefined ? {} : { groupId: run.groupId }),
      },
      'read back the messages sent since the oldest pending row',
    );
    return result;
  };
}

function failed(run: ReadBackRun, message: string, timedOut: boolean, cause: unknown): ReadBackError {
  const kafkaType = (cause as { type?: unknown } | undefined)?.type;
  return new ReadBackError(run.unfinished(), timedOut, message, {
    ...(cause === undefined ? {} : { cause }),
    ...(typeof kafkaType === 'string' ? { kafkaType } : {}),
  });
}

async function within(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, ms))));
  try {
    await Promise.race([work, expiry]);
  } finally {
    clearTimeout(timer);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
