import type { OutboxRow } from '../db/store.js';
import { BatchSize } from './batch-size.js';

const rows = (n: number, payloadBytes = 10) =>
  Array.from(
    { length: n },
    () =>
      ({ payload: Buffer.alloc(payloadBytes), headers: '', key: 'k' }) as Pick<
        OutboxRow,
        'payload' | 'headers' | 'key'
      >,
  );

describe('BatchSize', () => {
  it('asks for the configured size until a read comes back full', () => {
    const size = new BatchSize({ base: 250, max: 2000 });
    expect(size.next()).toBe(250);
    size.observe(250, rows(249));
    expect(size.next()).toBe(250);
  });

  it('doubles after each full read, up to the largest batch', () => {
    const size = new BatchSize({ base: 250, max: 2000 });
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      const asked = size.next();
      seen.push(asked);
      size.observe(asked, rows(asked));
    }
    expect(seen).toEqual([250, 500, 1000, 2000, 2000]);
  });

  it('starts over at the configured size once a read comes back short', () => {
    const size = new BatchSize({ base: 100, max: 1000 });
    size.observe(100, rows(100));
    size.observe(200, rows(200));
    expect(size.next()).toBe(400);
    size.observe(400, rows(3));
    expect(size.next()).toBe(100);
  });

  it('grows no further than the bytes allow, estimated from the last batch', () => {
    const size = new BatchSize({ base: 10, max: 10_000, maxBytes: 1000 * 100 });
    // 100-byte rows (99 of payload and a 1-byte key): 1,000 fit in the budget.
    size.observe(10, rows(10, 99));
    expect(size.next()).toBe(20);
    size.observe(800, rows(800, 99));
    expect(size.next()).toBe(1000);
    // Rows of 10 KB: the budget holds 10 of them, the configured size still holds.
    size.observe(1000, rows(1000, 10_239));
    expect(size.next()).toBe(10);
  });

  it('never grows when the largest batch is the configured one', () => {
    const size = new BatchSize({ base: 250, max: 250 });
    size.observe(250, rows(250));
    expect(size.next()).toBe(250);
  });
});
