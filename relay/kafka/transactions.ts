// Kafka transactions in shared mode: the fence a broker enforces. Each relay of a table sends every batch
// in a transaction under a transactional id of its own, named from the table's identity and the relay's
// member name. A relay that takes shares over from another (one whose lease ended, not one that gave them
// up) first fences that one's id: the coordinator aborts the transaction it has open and bumps its epoch,
// so nothing it sends afterwards is accepted, however long it was paused between its lease check and its
// produce request. Only then is the read-back planned: what the old owner committed is there and marked;
// what it had open is aborted, invisible to read_committed consumers, and sent again.
import type { Kafka } from 'kafkajs';
import { toPublishError } from './error-table.js';

/** The prefix of every transactional id: grant Write on the transactional ids of this prefix. */
export const TRANSACTIONAL_ID_PREFIX = 'outbox-relay-';

/** The transactional id of a relay (member) of a table (its identity, the outbox-source header). */
export function transactionalIdOf(source: string, member: string): string {
  return `${TRANSACTIONAL_ID_PREFIX}${source}-${member}`;
}

/** Fences a member's transactional id: its open transaction is aborted, its later requests refused. */
export type FenceFn = (member: string) => Promise<void>;

/**
 * The fence of a table's members: a producer under the member's transactional id asks for a producer id
 * (the coordinator aborts what was open, waiting for the abort's markers to be written), and leaves at
 * once without sending. Failures come out as PublishError, `secrets` taken out.
 */
export function createFence(kafka: Kafka, source: string, secrets: readonly string[] = []): FenceFn {
  return async (member) => {
    const producer = kafka.producer({
      transactionalId: transactionalIdOf(source, member),
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    try {
      await producer.connect();
      // The producer id is asked for at the first transaction; one with no partitions ends without a request.
      const transaction = await producer.transaction();
      await transaction.abort();
    } catch (error) {
      throw toPublishError(error, secrets);
    } finally {
      await producer.disconnect().catch(() => undefined);
    }
  };
}
