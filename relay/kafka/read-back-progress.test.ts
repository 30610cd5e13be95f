import { outboxIdOf, ReadBackProgress } from './read-back-progress.js';

const source = '3b0c8e4a-1f2d-4e5b-9a6c-7d8e9f0a1b2c';
const mine = (id: string) => ({ 'outbox-source': Buffer.from(source), 'outbox-id': Buffer.from(id) });

describe('the outbox id of a message', () => {
  it.each([
    ['Buffers with the source', mine('17'), '17'],
    ['strings with the source', { 'outbox-source': source, 'outbox-id': '18' }, '18'],
    ['another source', { 'outbox-source': Buffer.from('other'), 'outbox-id': Buffer.from('17') }, undefined],
    ['no source', { 'outbox-id': Buffer.from('17') }, undefined],
    ['the source without an id', { 'outbox-source': Buffer.from(source) }, undefined],
    ['an id that is not decimal', { ...mine('17'), 'outbox-id': Buffer.from('17; drop') }, undefined],
    ['the source twice', { ...mine('17'), 'outbox-source': [source, source] }, undefined],
    ['two ids', { ...mine('17'), 'outbox-id': ['17', '18'] }, undefined],
    ['no headers at all', undefined, undefined],
  ])('is read from %s', (_, headers, expected) => {
    expect(outboxIdOf(headers, source)).toBe(expected);
  });
});

describe('the progress of a read-back', () => {
  const offsets = (...values: number[]) => values.map((o, partition) => ({ partition, offset: String(o) }));

  it('plans only the partitions whose start is below their end', () => {
    const progress = new ReadBackProgress(source);
    progress.plan('orders', offsets(10, 5, 0), offsets(4, 5, 0));
    expect(progress.partitions()).toBe(1);
    expect(progress.pending()).toEqual([{ topic: 'orders', partition: 0, offset: '4' }]);
    expect(progress.finished('orders', 1)).toBe(true);
    expect(progress.topics()).toEqual(['orders']);
  });

  it('is done at once when no partition has anything to read', () => {
    const progress = new ReadBackProgress(source);
    progress.plan('orders', offsets(3, 3), offsets(3, 3));
    expect(progress.done()).toBe(true);
    expect(progress.topics()).toEqual([]);
  });

  it('reads a partition missing from the by-timestamp offsets from its low offset, never skipping it', () => {
    const progress = new ReadBackProgress(source);
    progress.plan('orders', [{ partition: 0, offset: '9', low: '2' }], []);
    expect(progress.pending()).toEqual([{ topic: 'orders', partition: 0, offset: '2' }]);
  });

  it('counts the messages in the range, collects the ids of the source once each, ignores the rest', () => {
    const progress = new ReadBackProgress(source);
    progress.plan('orders', offsets(6), offsets(2));
    progress.take('orders', 0, [
      { offset: '1', headers: mine('100') }, // before start
      { offset: '2', headers: mine('101') },
      { offset: '3', headers: { 'outbox-source': 'other', 'outbox-id': '102' } },
      { offset: '4', headers: mine('101') }, // sent twice
      { offset: '5', headers: {} },
      { offset: '6', headers: mine('106') }, // from end on: not this read-back's
    ]);
    expect([...progress.ids]).toEqual(['101']);
    expect(progress.messages).toBe(4);
    expect(progress.done()).toBe(true);
  });

  it('counts nothing twice when a batch comes again', () => {
    const progress = new ReadBackProgress(source);
    progress.plan('orders', offsets(10), offsets(0));
    const batch = [0, 1, 2].map((o) => ({ offset: String(o), headers: mine(String(o + 50)) }));
    progress.take('orders', 0, batch);
    progress.take('orders', 0, batch);
    expect(progress.messages).toBe(3);
    expect(progress.pending()).toEqual([{ topic: 'orders', partition: 0, offset: '3' }]);
  });

  it('finishes a partition whose last offsets are gaps (a transaction marker) once the position reaches end', () => {
    const progress = new ReadBackProgress(source);
    progress.plan('orders', offsets(5, 3), offsets(0, 0));
    progress.take('orders', 0, [{ offset: '3', headers: mine('9') }]);
    expect(progress.advance('orders', 0, '3')).toBe(false);
    // The batch of the marker at offset 4 reaches no eachBatch; its end is reported all the same.
    expect(progress.advance('orders', 0, '4')).toBe(true);
    expect(progress.done()).toBe(false);
    expect(progress.unfinished(['orders', 'audit'], true)).toEqual(['orders']);
    expect(progress.advance('orders', 1, '2')).toBe(true);
    expect(progress.done()).toBe(true);
    expect(progress.unfinished(['orders', 'audit'], true)).toEqual([]);
  });

  it('never moves a position back', () => {
    const progress = new ReadBackProgress(source);
    progress.plan('orders', offsets(10), offsets(0));
    progress.advance('orders', 0, '7');
    progress.advance('orders', 0, '2');
    expect(progress.pending()).toEqual([{ topic: 'orders', partition: 0, offset: '8' }]);
  });

  it('names every requested topic unfinished while the plan is incomplete', () => {
    const progress = new ReadBackProgress(source);
    expect(progress.unfinished(['orders', 'audit'], false)).toEqual(['orders', 'audit']);
  });

  it('compares offsets beyond 2^53 exactly', () => {
    const big = [{ partition: 0, offset: '9007199254740995', low: '9007199254740993' }];
    const exact = new ReadBackProgress(source);
    exact.plan('orders', big, []);
    expect(exact.advance('orders', 0, '9007199254740993')).toBe(false);
    expect(exact.advance('orders', 0, '9007199254740994')).toBe(true);
  });
});
