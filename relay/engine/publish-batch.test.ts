import { PublishError } from '../errors.js';
import { createLogger } from '../logger.js';
import { murmur2Partitioner } from '../kafka/partitioners.js';
import type { OutgoingMessage, Publisher } from '../kafka/publisher.js';
import type { TopicInfo } from '../kafka/topic-metadata.js';
import type { OutboxRow } from '../db/store.js';
import { createBatchPublisher, missingTopicReason } from './publish-batch.js';

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

const protocolError = (type: string, message = `broker says ${type}`) =>
  Object.assign(new Error(message), { name: 'KafkaJSProtocolError', type });

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
    expect(outcome.released).toEqual(['3']);
    expect(outcome.failures).toEqual([
      { id: '1', reason: 'payload_headers is not a JSON object' },
      { id: '4', reason: 'topic is empty' },
      { id: '7', reason: 'payload_headers is not valid JSON' },
    ]);
    // A missing topic is not the rows' fault: its rows are parked, uncounted (held-topics tests below).
    expect(outcome.parked).toEqual(['5', '6']);
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

describe('publishing a batch with a topic that is missing or forbidden', () => {
  const twoTopics = {
    orders: { partitions: 1, maxMessageBytes: 1_000_000 },
    audit: { partitions: 1, maxMessageBytes: 1_000_000 },
  };

  it('parks every row of a topic missing from the metadata, counts nothing, and sends the other topics', async () => {
    const { publisher, sent } = fakePublisher();
    const publish = createBatchPublisher({ publisher, partitioner: murmur2Partitioner, logger });
    const outcome = await publish([
      row(1, { topic: 'later', key: 'a' }),
      row(2, { key: 'a' }),
      row(3, { topic: 'later', key: 'b', headers: 'not json' }),
      row(4, { topic: 'later' }),
    ]);
    expect(outcome).toEqual({
      published: ['2'],
      failures: [],
      released: [],
      parked: ['1', '3', '4'],
      held: [{ topic: 'later', reason: missingTopicReason('later') }],
    });
    expect(sent.flat().map((m) => m.rowId)).toEqual(['2']);
  });

  it('holds a topic the broker refuses to let it write, and still sends the other topics of that request', async () => {
    const { publisher, sent } = fakePublisher({
      topics: twoTopics,
      fail: (batch) =>
        batch.some((m) => m.topic === 'audit') ? protocolError('TOPIC_AUTHORIZATION_FAILED') : undefined,
    });
    const publish = createBatchPublisher({ publisher, partitioner: murmur2Partitioner, logger });
    const outcome = await publish([
      row(1, { topic: 'audit', key: 'a' }),
      row(2, { key: 'a' }),
      row(3, { topic: 'audit', key: 'a' }),
      row(4, { key: 'b' }),
    ]);
    expect(outcome.published).toEqual(['2', '4']);
    expect(outcome.parked).toEqual(['1', '3']);
    expect(outcome.failures).toEqual([]);
    expect(outcome.released).toEqual([]);
    expect(outcome.transient).toBeUndefined();
    expect(outcome.held).toEqual([
      { topic: 'audit', reason: expect.stringContaining('TOPIC_AUTHORIZATION_FAILED') },
    ]);
    expect(sent.map((b) => b.map((m) => m.rowId))).toEqual([['2', '4']]);
  });

  it('holds a topic deleted since its metadata was read (UNKNOWN_TOPIC_OR_PARTITION on the send)', async () => {
    const { publisher } = fakePublisher({ fail: () => protocolError('UNKNOWN_TOPIC_OR_PARTITION') });
    const publish = createBatchPublisher({ publisher, partitioner: murmur2Partitioner, logger });
    const outcome = await publish([row(1, { key: 'a' }), row(2, { key: 'b' })]);
    expect(outcome).toMatchObject({ published: [], failures: [], released: [], parked: ['1', '2'] });
    expect(outcome.held).toEqual([{ topic: 'orders', reason: expect.stringContaining('UNKNOWN_TOPIC') }]);
  });

  it('stops at a transient error met while sending topic by topic, releasing what was not sent', async () => {
    let calls = 0;
    const { publisher, sent } = fakePublisher({
      topics: twoTopics,
      fail: () => {
        calls++;
        if (calls === 1) return protocolError('TOPIC_AUTHORIZATION_FAILED');
        if (calls === 3) return protocolError('REQUEST_TIMED_OUT');
        return undefined;
      },
    });
    const publish = createBatchPublisher({ publisher, partitioner: murmur2Partitioner, logger });
    const outcome = await publish([row(1, { topic: 'audit' }), row(2), row(3, { topic: 'audit' })]);
    // The audit rows went out on their own (call 2); the orders row met the timeout (call 3).
    expect(outcome).toMatchObject({ published: ['1', '3'], failures: [], released: ['2'] });
    expect(outcome.transient?.kafkaType).toBe('REQUEST_TIMED_OUT');
    expect(outcome.held).toBeUndefined();
    expect(sent.flat().map((m) => m.rowId)).toEqual(['1', '3']);
  });

  it('fails a row with a NULL column naming the column, whatever its topic, and holds its key', async () => {
    const { publisher, sent } = fakePublisher();
    const publish = createBatchPublisher({ publisher, partitioner: murmur2Partitioner, logger });
    const outcome = await publish([
      row(1, { key: 'a', defect: 'payload_json is NULL' }),
      row(2, { key: 'a' }),
      row(3, { topic: 'later', defect: 'key is NULL' }),
      row(4, { key: 'b' }),
      row(5, { topic: '', defect: 'topic is NULL' }),
    ]);
    expect(outcome.failures).toEqual([
      { id: '1', reason: 'payload_json is NULL' },
      { id: '3', reason: 'key is NULL' },
      { id: '5', reason: 'topic is NULL' },
    ]);
    expect(outcome.published).toEqual(['4']);
    expect(outcome.released).toEqual(['2']);
    expect(sent.flat().map((m) => m.rowId)).toEqual(['4']);
  });
});

describe('publishing a batch with the outbox table identity', () => {
  const source = '6f1c2b9e-3d4a-4b5c-8d7e-9f0a1b2c3d4e';

  it('gives every message the header outbox-source beside outbox-id, over a row header of that name', async () => {
    const { publisher, sent } = fakePublisher();
    const publish = createBatchPublisher({ publisher, partitioner: murmur2Partitioner, logger, source });
    const outcome = await publish([
      row(1, { key: 'a' }),
      row(2, { headers: '{"outbox-source":"someone else","trace":"t"}' }),
    ]);
    expect(outcome.published).toEqual(['1', '2']);
    expect(sent.flat().map((m) => m.headers)).toEqual([
      { 'outbox-id': '1', 'outbox-source': source },
      { 'outbox-id': '2', 'outbox-source': source, trace: 't' },
    ]);
  });

  it('sends no outbox-source header when it is not given', async () => {
    const { publisher, sent } = fakePublisher();
    const publish = createBatchPublisher({ publisher, partitioner: murmur2Partitioner, logger });
    await publish([row(1)]);
    expect(sent.flat()[0]!.headers).toEqual({ 'outbox-id': '1' });
  });

  it('counts the header in the size check: a row that fits without it exceeds max.message.bytes with it', async () => {
    // {"n":1} is 7 bytes: 24 + 7 + outbox-id (10 + 9 + 1) = 51, plus the batch's 61 = 112 without the
    // source; outbox-source adds 10 + 13 + 36 = 59.
    const topics = { orders: { partitions: 1, maxMessageBytes: 112 } };
    const without = fakePublisher({ topics });
    const plain = createBatchPublisher({
      publisher: without.publisher,
      partitioner: murmur2Partitioner,
      logger,
    });
    expect((await plain([row(1)])).published).toEqual(['1']);

    const withSource = fakePublisher({ topics });
    const tagged = createBatchPublisher({
      publisher: withSource.publisher,
      partitioner: murmur2Partitioner,
      logger,
      source,
    });
    const outcome = await tagged([row(1)]);
    expect(outcome.published).toEqual([]);
    expect(outcome.failures).toEqual([
      { id: '1', reason: "message of 110 bytes exceeds the topic's max.message.bytes (112)" },
    ]);
    expect(withSource.sent).toEqual([]);
  });
});
