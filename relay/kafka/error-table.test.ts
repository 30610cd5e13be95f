import kafkajs from 'kafkajs';
import { PublishError } from '../errors.js';
import { kafkaErrorAction, kafkaErrorType, toPublishError } from './error-table.js';

const { KafkaJSProtocolError, KafkaJSNumberOfRetriesExceeded, KafkaJSConnectionError } = kafkajs;

function protocolError(type: string, retriable = false) {
  return new KafkaJSProtocolError({ type, code: 0, retriable, message: `broker says ${type}` } as never);
}

describe('the Kafka error table', () => {
  it.each([
    ['MESSAGE_TOO_LARGE', 'permanent'],
    ['RECORD_LIST_TOO_LARGE', 'permanent'],
    ['INVALID_TOPIC_EXCEPTION', 'permanent'],
    ['UNKNOWN_TOPIC_OR_PARTITION', 'permanent'],
    ['OUT_OF_ORDER_SEQUENCE_NUMBER', 'reset-producer'],
    ['LEADER_NOT_AVAILABLE', 'retriable'],
    ['NOT_LEADER_FOR_PARTITION', 'retriable'],
    ['REQUEST_TIMED_OUT', 'retriable'],
    ['TOPIC_AUTHORIZATION_FAILED', 'retriable'],
  ])('treats %s as %s', (type, action) => {
    expect(kafkaErrorAction(protocolError(type))).toBe(action);
  });

  it('finds the protocol error kafkajs wrapped after its own retries', () => {
    const wrapped = new KafkaJSNumberOfRetriesExceeded(protocolError('MESSAGE_TOO_LARGE'), {
      retryCount: 3,
      retryTime: 100,
    });
    expect(kafkaErrorType(wrapped)).toBe('MESSAGE_TOO_LARGE');
    expect(toPublishError(wrapped)).toMatchObject({ retriable: false, kafkaType: 'MESSAGE_TOO_LARGE' });
  });

  it('treats a connection failure as retriable', () => {
    const error = toPublishError(new KafkaJSConnectionError('Connection error: connect ECONNREFUSED'));
    expect(error).toBeInstanceOf(PublishError);
    expect(error.retriable).toBe(true);
  });

  it('rethrows what is not a Kafka error: a programming error is never retried', () => {
    expect(() => toPublishError(new TypeError('undefined is not a function'))).toThrow(TypeError);
  });
});
