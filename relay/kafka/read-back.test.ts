import type { Kafka } from 'kafkajs';
import { PublishError, isRetriable } from '../errors.js';
import { createLogger } from '../logger.js';
import { createReadBack, ReadBackError } from './read-back.js';

describe('the read-back error', () => {
  it('is a retriable PublishError naming the topics not finished, with its cause', () => {
    const cause = Object.assign(new Error('The coordinator is not available'), {
      type: 'COORDINATOR_NOT_AVAILABLE',
    });
    const error = new ReadBackError(['orders', 'audit'], false, 'failed', {
      cause,
      kafkaType: 'COORDINATOR_NOT_AVAILABLE',
    });
    expect(error).toBeInstanceOf(PublishError);
    expect(error.name).toBe('ReadBackError');
    expect(isRetriable(error)).toBe(true);
    expect(error.message).toBe('read-back failed; topics not finished: orders, audit');
    expect(error.unfinished).toEqual(['orders', 'audit']);
    expect(error.timedOut).toBe(false);
    expect(error.kafkaType).toBe('COORDINATOR_NOT_AVAILABLE');
    expect(error.cause).toBe(cause);
  });
});

describe('a read-back of no topics', () => {
  it('finds nothing and opens no Kafka client', async () => {
    const kafka = {
      admin: () => {
        throw new Error('no client should be opened');
      },
      consumer: () => {
        throw new Error('no client should be opened');
      },
    } as unknown as Kafka;
    const readBack = createReadBack({ kafka, logger: createLogger({ level: 'silent' }) });
    const result = await readBack({ topics: [], sinceMs: 0, source: 's' });
    expect(result).toEqual({ ids: [], messages: 0, partitions: 0, ms: expect.any(Number) });
  });
});
