// Kafka error types (the protocol's names, as kafkajs reports them in `type`) mapped to what the relay
// does about them, by what caused them:
// - the row (too large, invalid): `permanent`, counted as an attempt against that row;
// - the topic (missing, or this relay may not write it): `hold-topic`, the topic's rows wait, uncounted,
//   while other topics flow; the topic is tried again now and then (engine/held-topics.ts);
// - everything else (broker down, leader moving, timeouts, the cluster refusing this relay as a whole,
//   quotas): `retriable`, the batch waits and is retried without limit, because the Go relay's habit of
//   counting those turned outages into errored rows;
// - the idempotent producer's own state: `reset-producer` (and retried).
// A type not in the table is retriable: an unknown error is never charged to a row.
import { PublishError } from '../errors.js';
import { redactError, redactText } from '../redact.js';

export type KafkaErrorAction = 'permanent' | 'hold-topic' | 'retriable' | 'reset-producer';

export const KAFKA_ERROR_TABLE: Readonly<Record<string, KafkaErrorAction>> = Object.freeze({
  MESSAGE_TOO_LARGE: 'permanent',
  RECORD_LIST_TOO_LARGE: 'permanent',
  INVALID_TOPIC_EXCEPTION: 'permanent',
  INVALID_RECORD: 'permanent',
  // kafkajs already retried it (it calls it retriable: a checksum broken on the way); still there, it is
  // the record itself (a keyless record on a compacted topic, on older brokers).
  CORRUPT_MESSAGE: 'permanent',
  // A topic deleted (or never created: auto creation is off), or one this relay may not describe or write:
  // nothing is wrong with the rows, and creating the topic or granting the right sends them.
  UNKNOWN_TOPIC_OR_PARTITION: 'hold-topic',
  TOPIC_AUTHORIZATION_FAILED: 'hold-topic',
  // The cluster refuses this relay as a whole (e.g. IdempotentWrite on brokers before 2.8): every topic
  // waits; a grant fixes it without a restart.
  CLUSTER_AUTHORIZATION_FAILED: 'retriable',
  // A refused login is a configuration mistake: kafka/config-errors.ts turns it into a ConfigError that
  // stops the relay before this table is asked. Listed so that it can never be charged to a row.
  SASL_AUTHENTICATION_FAILED: 'retriable',
  // The leader moved (the protocol renamed it NOT_LEADER_OR_FOLLOWER; kafkajs keeps the old name).
  NOT_LEADER_FOR_PARTITION: 'retriable',
  NOT_LEADER_OR_FOLLOWER: 'retriable',
  LEADER_NOT_AVAILABLE: 'retriable',
  REQUEST_TIMED_OUT: 'retriable',
  // The idempotent producer's state no longer matches the broker's (e.g. after a broker lost its producer
  // state, or a resend of a different set of rows): a new producer id fixes it; the rows are sent again.
  OUT_OF_ORDER_SEQUENCE_NUMBER: 'reset-producer',
  INVALID_PRODUCER_EPOCH: 'reset-producer',
  UNKNOWN_PRODUCER_ID: 'reset-producer',
  INVALID_PRODUCER_ID_MAPPING: 'reset-producer',
  PRODUCER_FENCED: 'reset-producer',
  // Transactions (shared mode): a transaction state kafkajs and the coordinator no longer agree on.
  INVALID_TXN_STATE: 'reset-producer',
  // The cluster refuses this relay's transactional id (no Write on outbox-relay-*): every topic waits, as
  // for CLUSTER_AUTHORIZATION_FAILED; a grant fixes it without a restart.
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 'retriable',
});

/** What the relay does about a protocol error type; retriable for a type not in the table. */
export function actionOfType(type: string | undefined): KafkaErrorAction {
  return type !== undefined && Object.hasOwn(KAFKA_ERROR_TABLE, type)
    ? KAFKA_ERROR_TABLE[type]!
    : 'retriable';
}

/** True when the error concerns the topic rather than a row or the connection: its rows are held. */
export function holdsTopic(error: PublishError): boolean {
  return actionOfType(error.kafkaType) === 'hold-topic';
}

interface KafkaLikeError {
  name?: string;
  type?: string;
  message?: string;
  originalError?: unknown;
  cause?: unknown;
}

/** The innermost protocol error type in a kafkajs error chain (retries wrap the original error). */
export function kafkaErrorType(error: unknown): string | undefined {
  let current = error as KafkaLikeError | undefined;
  let type: string | undefined;
  for (let depth = 0; current && typeof current === 'object' && depth < 10; depth++) {
    if (typeof current.type === 'string') type = current.type;
    current = (current.originalError ?? current.cause) as KafkaLikeError | undefined;
  }
  return type;
}

export function isKafkaError(error: unknown): boolean {
  return (
    typeof (error as KafkaLikeError)?.name === 'string' &&
    (error as KafkaLikeError).name!.startsWith('KafkaJS')
  );
}

export function kafkaErrorAction(error: unknown): KafkaErrorAction {
  return actionOfType(kafkaErrorType(error));
}

/**
 * Wraps what kafkajs threw, `secrets` (the SASL password) taken out of its message and of its whole cause
 * chain. Anything that is not a Kafka error (a programming error, a ConfigError) is rethrown as it is.
 */
export function toPublishError(error: unknown, secrets: readonly string[] = []): PublishError {
  if (error instanceof PublishError) return error;
  if (!isKafkaError(error)) throw error;
  const type = kafkaErrorType(error);
  const action = kafkaErrorAction(error);
  const message = redactText((error as Error).message || type || 'Kafka error', secrets);
  return new PublishError(type ? `${type}: ${message}` : message, type, {
    retriable: action !== 'permanent',
    cause: redactError(error, secrets),
  });
}
