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

describe('a read-back when the relay stops', () => {
  it('fails at once as stopped, without waiting for its timeout, and closes its client', async () => {
    let disconnected = false;
    const kafka = {
      admin: () => ({
        connect: async () => undefined,
        // Kafka never answers: only the stop ends the read-back.
        listTopics: () => new Promise(() => undefined),
        disconnect: async () => void (disconnected = true),
      }),
    } as unknown as Kafka;
    const readBack = createReadBack({ kafka, logger: createLogger({ level: 'silent' }), timeoutMs: 60_000 });
    const stop = new AbortController();
    const started = Date.now();
    const reading = readBack({ topics: ['orders'], sinceMs: 0, source: 's', signal: stop.signal });
    setTimeout(() => stop.abort(), 20);
    await expect(reading).rejects.toThrow(
      'read-back stopped: the relay is stopping; topics not finished: orders',
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(disconnected).toBe(true);
    const already = new AbortController();
    already.abort();
    await expect(
      readBack({ topics: ['orders'], sinceMs: 0, source: 's', signal: already.signal }),
    ).rejects.toBeInstanceOf(ReadBackError);
  });
});
