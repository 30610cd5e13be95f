// Kafka error types (the protocol's names, as kafkajs reports them in `type`) mapped to what the relay
// does about them. Only errors caused by the row itself are permanent and count as attempts; everything
// else Kafka reports (broker down, leader moving, timeouts, authorization, quota) is transient and retried
// without limit, because the Go relay's habit of counting those turned outages into errored rows.
import { PublishError } from '../errors.js';

export type KafkaErrorAction = 'permanent' | 'retriable' | 'reset-producer';

export const KAFKA_ERROR_TABLE: Readonly<Record<string, KafkaErrorAction>> = Object.freeze({
  MESSAGE_TOO_LARGE: 'permanent',
  RECORD_LIST_TOO_LARGE: 'permanent',
  INVALID_TOPIC_EXCEPTION: 'permanent',
  UNKNOWN_TOPIC_OR_PARTITION: 'permanent',
  INVALID_RECORD: 'permanent',
  CORRUPT_MESSAGE: 'permanent',
  // The idempotent producer's state no longer matches the broker's (e.g. after a broker lost its producer
  // state, or a resend of a different set of rows): a new producer id fixes it; the rows are sent again.
  OUT_OF_ORDER_SEQUENCE_NUMBER: 'reset-producer',
  INVALID_PRODUCER_EPOCH: 'reset-producer',
  UNKNOWN_PRODUCER_ID: 'reset-producer',
  INVALID_PRODUCER_ID_MAPPING: 'reset-producer',
  PRODUCER_FENCED: 'reset-producer',
});

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
  const type = kafkaErrorType(error);
  return (type && KAFKA_ERROR_TABLE[type]) || 'retriable';
}

/** Wraps what kafkajs threw; anything that is not a Kafka error is a programming error and is rethrown. */
export function toPublishError(error: unknown): PublishError {
  if (error instanceof PublishError) return error;
  if (!isKafkaError(error)) throw error;
  const type = kafkaErrorType(error);
  const action = kafkaErrorAction(error);
  const message = (error as Error).message || type || 'Kafka error';
  return new PublishError(type ? `${type}: ${message}` : message, type, {
    retriable: action !== 'permanent',
    cause: error,
  });
}
