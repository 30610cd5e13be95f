// The soak's checker on hand-made inputs: each kind of violation is caught, and what is allowed
// (duplicates, a redelivery of an older row after a newer one) is not mistaken for one.
import { check, type CheckInput } from './check.js';
import type { Delivered } from './kafka-reader.js';
import type { WrittenRow } from './writer.js';

const row = (id: number, key = 'k', extra: Partial<WrittenRow> = {}): WrittenRow => ({
  id: String(id),
  token: `tok-${id}`,
  topic: 't',
  orderingKey: key,
  ...extra,
});

let offset = 0;
const message = (r: Pick<WrittenRow, 'id' | 'token'>, partition = 0): Delivered => ({
  topic: 't',
  partition,
  offset: String(offset++),
  outboxId: r.id,
  key: null,
  value: Buffer.from(JSON.stringify({ soak: r.token })),
});

function input(overrides: Partial<CheckInput>): CheckInput {
  return {
    committed: [],
    notCommitted: [],
    delivered: [],
    errored: [],
    pendingAtEnd: 0,
    unsettled: 0,
    anomalies: [],
    ...overrides,
  };
}

describe('the soak checker', () => {
  beforeEach(() => (offset = 0));

  it('passes when every committed row arrived once, in order per key', () => {
    const rows = [row(1, 'a'), row(2, 'b'), row(3, 'a')];
    const result = check(input({ committed: rows, delivered: rows.map((r) => message(r)) }));
    expect(result.failures).toEqual([]);
    expect(result).toMatchObject({ committed: 3, delivered: 3, messages: 3, duplicates: 0 });
  });

  it('counts duplicates, and a redelivered older row after a newer one is not an order violation', () => {
    const rows = [row(1), row(2)];
    const delivered = [message(rows[0]!), message(rows[1]!), message(rows[0]!), message(rows[1]!)];
    const result = check(input({ committed: rows, delivered }));
    expect(result.failures).toEqual([]);
    expect(result.duplicates).toBe(2);
  });

  it('with failOnDuplicates fails on a row delivered twice, naming its id and both places', () => {
    const rows = [row(1), row(2)];
    const delivered = [message(rows[0]!), message(rows[1]!), message(rows[1]!)];
    const result = check(input({ committed: rows, delivered, failOnDuplicates: true }));
    expect(result.duplicates).toBe(1);
    expect(result.duplicateExamples).toEqual(['id 2 at t/0@2, first at t/0@1']);
    expect(result.failures).toEqual(['1 duplicate deliveries: id 2 at t/0@2, first at t/0@1']);
  });

  it('fails on a committed row that never arrived', () => {
    const rows = [row(1), row(2)];
    const result = check(input({ committed: rows, delivered: [message(rows[0]!)] }));
    expect(result.lost).toEqual(['2']);
    expect(result.failures).toEqual([expect.stringContaining('1 committed rows lost: 2')]);
  });

  it('fails when a key first receives a later id before an earlier one, but not across keys', () => {
    const rows = [row(1, 'a'), row(2, 'b'), row(3, 'a')];
    const result = check(
      input({ committed: rows, delivered: [rows[1]!, rows[2]!, rows[0]!].map((r) => message(r)) }),
    );
    expect(result.outOfOrder).toEqual([expect.stringContaining('key a: id 1 arrived after id 3')]);
    expect(result.failures).toHaveLength(1);
  });

  it('orders per partition: offsets of different partitions are not compared', () => {
    const rows = [row(1, 'a'), row(2, 'b')];
    const result = check(input({ committed: rows, delivered: [message(rows[1]!, 0), message(rows[0]!, 1)] }));
    expect(result.failures).toEqual([]);
  });

  it('fails when a row of a transaction that did not commit arrives', () => {
    const result = check(input({ notCommitted: [{ token: 'tok-9' }], delivered: [message(row(9))] }));
    expect(result.rolledBackDelivered).toHaveLength(1);
    expect(result.failures).toEqual([expect.stringContaining('rows of uncommitted transactions delivered')]);
  });

  it('fails on a message carrying another row’s payload or no outbox-id', () => {
    const rows = [row(1)];
    const result = check(
      input({
        committed: rows,
        delivered: [message({ id: '1', token: 'tok-other' }), { ...message(rows[0]!), outboxId: undefined }],
      }),
    );
    expect(result.foreign).toHaveLength(2);
    expect(result.lost).toEqual(['1']);
  });

  it('accepts errored poison rows with a reason, and fails on any other errored row', () => {
    const poison = row(2, 'k', { poison: 'poison-headers' });
    const rows = [row(1), poison, row(3)];
    const delivered = [message(rows[0]!), message(rows[2]!)];
    const ok = check(
      input({
        committed: rows,
        delivered,
        errored: [{ id: '2', reason: 'payload_headers is not a JSON object' }],
      }),
    );
    expect(ok.failures).toEqual([]);
    expect(ok.erroredPoison).toBe(1);
    const bad = check(
      input({
        committed: rows,
        delivered: [message(rows[0]!)],
        errored: [
          { id: '2', reason: '' },
          { id: '3', reason: 'broker down' },
        ],
      }),
    );
    expect(bad.unexpectedErrored).toEqual([{ id: '3', reason: 'broker down' }]);
    expect(bad.poisonProblems).toEqual(['poison row 2 (poison-headers) has no reason']);
  });

  it('fails on a poison row that was published or left unerrored', () => {
    const rows = [row(1, 'k', { poison: 'poison-oversized' }), row(2, 'j', { poison: 'poison-empty-topic' })];
    const result = check(input({ committed: rows, delivered: [message(rows[0]!)] }));
    expect(result.poisonProblems).toEqual([
      'poison row 1 (poison-oversized) was published',
      'poison row 2 (poison-empty-topic) is not errored',
    ]);
  });

  it('expects a row of the missing topic to be delivered once the topic exists, never errored', () => {
    const held = row(2, 'k', { poison: 'poison-missing-topic' });
    const rows = [row(1), held];
    const delivered = check(input({ committed: rows, delivered: rows.map((r) => message(r)) }));
    expect(delivered).toMatchObject({ failures: [], poison: 0, delivered: 2 });
    const errored = check(
      input({ committed: rows, delivered: [message(rows[0]!)], errored: [{ id: '2', reason: 'missing' }] }),
    );
    expect(errored.lost).toEqual(['2']);
    expect(errored.unexpectedErrored).toEqual([{ id: '2', reason: 'missing' }]);
  });

  it('fails on relay anomalies, rows left pending and unsettled commits', () => {
    const result = check(
      input({ anomalies: ['relay-3 exited by itself (code 1)'], pendingAtEnd: 4, unsettled: 1 }),
    );
    expect(result.failures).toEqual([
      expect.stringContaining('relay-3 exited by itself'),
      '4 rows still pending after the drain',
      '1 transactions with an unknown commit outcome',
    ]);
  });
});
