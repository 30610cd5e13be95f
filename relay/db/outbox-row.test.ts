import { outboxRow, type OutboxColumns } from './outbox-row.js';

const complete: OutboxColumns = {
  id: '7',
  topic: 'orders',
  payload: Buffer.from('{}'),
  headers: '{}',
  key: 'k',
  partitionKey: '',
  attempts: 1,
};

describe('an outbox row read from the database', () => {
  it('keeps every column as read and has no defect when none is NULL', () => {
    expect(outboxRow(complete)).toEqual({
      id: '7',
      topic: 'orders',
      payload: Buffer.from('{}'),
      headers: '{}',
      key: 'k',
      partitionKey: '',
      attempts: 1,
    });
  });

  it.each([
    ['topic', { topic: null }],
    ['key', { key: null }],
    ['partition_key', { partitionKey: null }],
    ['payload_headers', { headers: null }],
    ['payload_json', { payload: null }],
  ])('names the column when %s is NULL, and never makes text of the NULL', (column, nulls) => {
    const row = outboxRow({ ...complete, ...nulls });
    expect(row.defect).toBe(`${column} is NULL`);
    expect([row.topic, row.key, row.partitionKey, row.headers]).not.toContain('null');
  });

  it('names every NULL column of a row', () => {
    expect(outboxRow({ ...complete, topic: null, payload: null }).defect).toBe(
      'topic, payload_json are NULL',
    );
  });
});
