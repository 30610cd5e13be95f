import { EventEmitter } from 'node:events';
import kafkajs from 'kafkajs';
import { createLogger } from '../logger.js';
import { guardKafkaRejections } from './rejection-guard.js';

describe('guardKafkaRejections', () => {
  const logger = createLogger({ level: 'silent' });

  it('drops a stray kafkajs rejection and rethrows anything else', () => {
    const target = new EventEmitter();
    const unguard = guardKafkaRejections(logger, target);
    expect(() =>
      target.emit('unhandledRejection', new kafkajs.KafkaJSConnectionError('Closed connection')),
    ).not.toThrow();
    expect(() => target.emit('unhandledRejection', new TypeError('bug'))).toThrow('bug');
    unguard();
    expect(target.listenerCount('unhandledRejection')).toBe(0);
  });
});
