import kafkajs from 'kafkajs';
import { PublishError } from '../errors.js';
import { holdsTopic, kafkaErrorAction, kafkaErrorType, toPublishError } from './error-table.js';

const { KafkaJSProtocolError, KafkaJSNumberOfRetriesExceeded, KafkaJSConnectionError } = kafkajs;

function protocolError(type: string, retriable = false) {
  return new KafkaJSProtocolError({ type, code: 0, retriable, message: `broker says ${type}` } as never);
}

describe('the Kafka error table', () => {
  // What each error the relay meets means for the rows: `permanent` counts an attempt against the row,
  // `hold-topic` holds the topic's rows uncounted while other topics flow, `retriable` waits the batch out
  // (every topic) without counting anything.
  it.each([
    ['MESSAGE_TOO_LARGE', 'permanent', 'the row is too large for the topic'],
    ['RECORD_LIST_TOO_LARGE', 'permanent', 'the rows of one partition are too large together'],
    ['INVALID_RECORD', 'permanent', 'the broker refuses the record itself'],
    ['CORRUPT_MESSAGE', 'permanent', 'the record is still corrupt after kafkajs retried it'],
    ['INVALID_TOPIC_EXCEPTION', 'permanent', "the row's topic is not a valid name"],
    ['UNKNOWN_TOPIC_OR_PARTITION', 'hold-topic', 'the topic does not exist (yet)'],
    ['TOPIC_AUTHORIZATION_FAILED', 'hold-topic', 'this relay may not write the topic'],
    ['CLUSTER_AUTHORIZATION_FAILED', 'retriable', 'the cluster refuses this relay for every topic'],
    ['SASL_AUTHENTICATION_FAILED', 'retriable', 'a refused login is never charged to a row'],
    ['NOT_LEADER_FOR_PARTITION', 'retriable', 'the leader moved (kafkajs name)'],
    ['NOT_LEADER_OR_FOLLOWER', 'retriable', 'the leader moved (protocol name)'],
    ['LEADER_NOT_AVAILABLE', 'retriable', 'an election is running'],
    ['REQUEST_TIMED_OUT', 'retriable', 'the broker or its replicas were slow'],
    ['OUT_OF_ORDER_SEQUENCE_NUMBER', 'reset-producer', "the producer's sequence is off"],
    ['constructor', 'retriable', 'an unknown type, even one named like an Object property'],
  ])('treats %s as %s: %s', (type, action) => {
    const error = protocolError(type);
    expect(kafkaErrorAction(error)).toBe(action);
    const wrapped = toPublishError(error);
    expect(wrapped).toMatchObject({ kafkaType: type, retriable: action !== 'permanent' });
    expect(holdsTopic(wrapped)).toBe(action === 'hold-topic');
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
    expect(holdsTopic(error)).toBe(false);
  });

  it('rethrows what is not a Kafka error: a programming error is never retried', () => {
    expect(() => toPublishError(new TypeError('undefined is not a function'))).toThrow(TypeError);
  });
});
