import { PublishError } from '../errors.js';
import { createLogger } from '../logger.js';
import { murmur2Partitioner } from '../kafka/partitioners.js';
import type { OutgoingMessage, Publisher } from '../kafka/publisher.js';
import type { TopicInfo } from '../kafka/topic-metadata.js';
import type { OutboxRow } from '../db/store.js';
import { createBatchPublisher } from './publish-batch.js';

const logger = createLogger({ level: 'silent' });

function row(id: number, fields: Partial<OutboxRow> = {}): OutboxRow {
  return {
    id: String(id),
    topic: 'orders',
    payload: Buffer.from(`{"n":${id}}`),
    headers: '{}',
    key: '',
    partitionKey: '',
    attempts: 0,
    ...fields,
  };
}

function fakePublisher(
  options: {
    topics?: Record<string, TopicInfo>;
    fail?: (batch: OutgoingMessage[]) => Error | undefined;
  } = {},
) {
  const sent: OutgoingMessage[][] = [];
  const topics = options.topics ?? { orders: { partitions: 3, maxMessageBytes: 1_000_000 } };
  const publisher: Pick<Publisher, 'topics' | 'send'> = {
    async topics(names) {
      return new Map(names.map((n) => [n, topics[n] ?? null]));
    },
    async send(messages) {
      const error = options.fail?.(messages);
      if (error) throw error;
      sent.push(messages);
    },
  };
  return { publisher, sent };
}

const tooLarge = () =>
  Object.assign(new Error('The request included a message larger than the max message size'), {
    name: 'KafkaJSProtocolError',
    type: 'MESSAGE_TOO_LARGE',
  });

describe('publishing a batch', () => {
  it('sends the whole batch in one request with an outout-id header and the configured partition', async () => {
    const { publisher, sent } = fakePublisher();
    const publish = createBatchPublisher({ publisher, partitioner: murmur2Partitioner, logger });
    const outcome = await publish([
      row(1, { key: 'SKU-123', headers: '{"a":"b","n":1}' }),
      row(2, { partitionKey: 'order-42', key: 'k' }),
    ]);
    expect(outcome).toEqual({ published: ['1', '2'], failures: [], released: [] });
    expect(sent).toHaveLength(1);
    const [first, second] = sent[0]!;
    expect(first!.headers).toEqual({ a: 'b', n: '1', 'outbox-id': '1' });
    expect(first!.partition).toBe(2); // murmur2 of SKU-123 over 3 partitions
    expect(first!.key?.toString()).toBe('SKU-123');
    expect(second!.partition).toBe(0); // the partition key decides, not the key
    expect(second!.key?.toString()).toBe('k');
  });

  it('fails poison rows with a reason and holds back later rows of their key, not other keys', async () => {
    const { publisher, sent } = fakePublisher();
    const publish = createBatchPublisher({ publisher, partitioner: murmur2Partitioner, logger });
    const outcome = await publish([
      row(1, { key: 'a', headers: '[1,2]' }),
      row(2, { key: 'b' }),
      row(3, { key: 'a' }),
      row(4, { topic: '' }),
      row(5, { topic: 'missing', key: 'c' }),
      row(6, { topic: 'missing', key: 'c' }),
      row(7, { headers: 'not json' }),
    ]);
    expect(outcome.published).toEqual(['2']);
    expect(outcome.released).toEqual(['3', '6']);
    expect(outcome.failures).toEqual([
      { id: '1', reason: 'payload_headers is not a JSON object' },
      { id: '4', reason: 'topic is empty' },
      { id: '5', reason: 'topic missing does not exist' },
      { id: '7', reason: 'payload_headers is not valid JSON' },
    ]);
    expect(sent.flat().map((m) => m.rowId)).toEqual(['2']);
  });

  it("fails a row larger than the topic's max.message.bytes", async () => {
    const { publisher } = fakePublisher({ topics: { orders: { partitions: 1, maxMessageBytes: 1000 } } });
    const publish = createBatchPublisher({ publisher, partitioner: murmur2Partitioner, logger });
    const outcome = await publish([row(1, { payload: Buffer.alloc(2000, 'x') }), row(2)]);
    expect(outcome.published).toEqual(['2']);
    expect(outcome.failures[0]!.reason).toMatch(/exceeds the topic's max.message.bytes \(1000\)/);
  });

  it('splits a partition whose rows together exceed the size limit into several requests, in order', async () => {
    const { publisher, sent } = fakePublisher({
      topics: { orders: { partitions: 1, maxMessageBytes: 1000 } },
    });
    const publish = createBatchPublisher({ publisher, partitioner: murmur2Partitioner, logger });
    const rows = [1, 2, 3, 4, 5].map((i) => row(i, { payload: Buffer.alloc(400, 'x') }));
    const outcome = await publish(rows);
    expect(outcome.published).toEqual(['1', '2', '3', '4', '5']);
    expect(sent.map((b) => b.map((m) => m.rowId))).toEqual([['1', '2'], ['3', '4'], ['5']]);
  });

  it('releases the whole batch without counting anything when Kafka is unavailable', async () => {
    const down = Object.assign(new Error('Connection error: ECONNREFUSED'), {
      name: 'KafkaJSConnectionError',
    });
    const { publisher } = fakePublisher({ fail: () => down });
    const publish = createBatchPublisher({ publisher, partitioner: murmur2Partitioner, logger });
    const outcome = await publish([row(1), row(2)]);
    expect(outcome.published).toEqual([]);
    expect(outcome.failures).toEqual([]);
    expect(outcome.released).toEqual(['1', '2']);
    expect(outcome.transient).toBeInstanceOf(PublishError);
  });

  it('finds the culprit of a rejected request one message at a time and holds its key', async () => {
    const { publisher, sent } = fakePublisher({
      fail: (batch) => (batch.some((m) => m.rowId === '2') ? tooLarge() : undefined),
    });
    const publish = createBatchPublisher({ publisher, partitioner: murmur2Partitioner, logger });
    const outcome = await publish([
      row(1, { key: 'x' }),
      row(2, { key: 'y' }),
      row(3, { key: 'y' }),
      row(4, { key: 'z' }),
    ]);
    expect(outcome.published).toEqual(['1', '4']);
    expect(outcome.failures).toEqual([{ id: '2', reason: expect.stringContaining('MESSAGE_TOO_LARGE') }]);
    expect(outcome.released).toEqual(['3']);
    expect(sent.flat().map((m) => m.rowId)).toEqual(['1', '4']);
  });

  it('rethrows a programming error instead of treating it as a Kafka failure', async () => {
    const { publisher } = fakePublisher({ fail: () => new TypeError('boom') });
    const publish = createBatchPublisher({ publisher, partitioner: murmur2Partitioner, logger });
    await expect(publish([row(1)])).rejects.toThrow(TypeError);
  });
});
