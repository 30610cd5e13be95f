import type { OutboxRow } from '../db/store.js';
import { BATCH_OVERHEAD_BYTES, messageSize, prepareRow } from './prepare.js';

const row: OutboxRow = {
  id: '42',
  topic: 'orders',
  payload: Buffer.from('{"n":42}'),
  headers: '{"trace":"abc"}',
  key: 'k',
  partitionKey: '',
  attempts: 0,
};
const topic = { partitions: 3, maxMessageBytes: 1_000_000 };
const first = () => 0;
const source = '0d9c5a1e-7b2f-4c3d-9e8f-1a2b3c4d5e6f';

describe('preparing a row', () => {
  it('sets outbox-source to the table identity when one is given', () => {
    const prepared = prepareRow(row, topic, first, source);
    expect('message' in prepared && prepared.message.headers).toEqual({
      trace: 'abc',
      'outbox-id': '42',
      'outbox-source': source,
    });
  });

  it('leaves outbox-source out when no identity is given', () => {
    const prepared = prepareRow(row, topic, first);
    expect('message' in prepared && prepared.message.headers).toEqual({ trace: 'abc', 'outbox-id': '42' });
  });

  it('counts outbox-source in the size it reports, as every other header', () => {
    const without = prepareRow(row, topic, first);
    const tagged = prepareRow(row, topic, first, source);
    if (!('size' in without) || !('size' in tagged)) throw new Error('both rows should be sendable');
    expect(tagged.size - without.size).toBe(10 + 'outbox-source'.length + source.length);
    expect(tagged.size).toBe(messageSize(tagged.message));
  });

  it('turns a row away when the identity pushes it over max.message.bytes', () => {
    const without = prepareRow(row, topic, first);
    if (!('size' in without)) throw new Error('the row should be sendable');
    const exact = { partitions: 3, maxMessageBytes: without.size + BATCH_OVERHEAD_BYTES };
    expect('message' in prepareRow(row, exact, first)).toBe(true);
    expect(prepareRow(row, exact, first, source)).toEqual({
      reason: `message of ${without.size + 59} bytes exceeds the topic's max.message.bytes (${exact.maxMessageBytes})`,
    });
  });
});
