import { PublishError } from '../errors.js';
import { FIRST_RECHECK_MS, HeldTopics, MAX_RECHECK_MS } from './held-topics.js';
import type { BatchOutcome } from './publish-batch.js';

const outcome = (held: string[] = [], extra: Partial<BatchOutcome> = {}): BatchOutcome => ({
  published: [],
  failures: [],
  released: [],
  held: held.map((topic) => ({ topic, reason: `${topic} is missing` })),
  ...extra,
});

describe('the topics a relay holds', () => {
  let clock = 0;
  const now = () => clock;
  beforeEach(() => (clock = 1_000_000));

  it('leaves a held topic out of the reads until it is due to be tried again, then lets it in once', () => {
    const held = new HeldTopics({ pollMs: 200, now });
    expect(held.record(['later', 'orders'], outcome(['later']))).toEqual({
      held: [{ topic: 'later', reason: 'later is missing' }],
      released: [],
    });
    expect(held.excluded()).toEqual(['later']);
    clock += FIRST_RECHECK_MS - 1;
    expect(held.excluded()).toEqual(['later']);
    clock += 1;
    expect(held.excluded()).toEqual([]);
    // Still missing: held again, and the next try waits twice as long.
    expect(held.record(['later'], outcome(['later'])).held).toEqual([]);
    clock += 2 * FIRST_RECHECK_MS - 1;
    expect(held.excluded()).toEqual(['later']);
    clock += 1;
    expect(held.excluded()).toEqual([]);
  });

  it('waits at least the poll interval before a first try, and at most MAX_RECHECK_MS between tries', () => {
    const slow = new HeldTopics({ pollMs: 5000, now });
    slow.record(['t'], outcome(['t']));
    clock += 4999;
    expect(slow.excluded()).toEqual(['t']);
    const held = new HeldTopics({ pollMs: 200, now });
    for (let i = 0; i < 10; i++) held.record(['t'], outcome(['t']));
    clock += MAX_RECHECK_MS;
    expect(held.excluded()).toEqual([]);
  });

  it('lets a topic go when a batch with its rows no longer holds it, saying how long it was held', () => {
    const held = new HeldTopics({ pollMs: 200, now });
    held.record(['later'], outcome(['later']));
    clock += 2500;
    expect(held.record(['orders'], outcome())).toEqual({ held: [], released: [] });
    expect(held.record(['later', 'orders'], outcome())).toEqual({
      held: [],
      released: [{ topic: 'later', heldMs: 2500 }],
    });
    expect(held.size).toBe(0);
    expect(held.excluded()).toEqual([]);
  });

  it('keeps a topic held when a transient error stopped the batch before it got to it', () => {
    const held = new HeldTopics({ pollMs: 200, now });
    held.record(['later'], outcome(['later']));
    const transient = new PublishError('down', undefined, { retriable: true });
    expect(held.record(['later'], outcome([], { transient })).released).toEqual([]);
    expect(held.list()).toEqual([{ topic: 'later', reason: 'later is missing', since: 1_000_000 }]);
  });

  it('lets go of a topic due to be tried again that a complete read found no row of', () => {
    const held = new HeldTopics({ pollMs: 200, now });
    held.record(['gone', 'later'], outcome(['gone', 'later']));
    expect(held.due()).toEqual([]);
    clock += FIRST_RECHECK_MS;
    expect(held.due()).toEqual(['gone', 'later']);
    expect(held.releaseAbsent(held.due(), ['later', 'orders'])).toEqual({
      held: [],
      released: [{ topic: 'gone', heldMs: FIRST_RECHECK_MS }],
    });
    expect(held.list().map((t) => t.topic)).toEqual(['later']);
  });

  it('lists the held topics by name with the reason and since when', () => {
    const held = new HeldTopics({ pollMs: 200, now });
    held.record(['zeta'], outcome(['zeta']));
    clock += 10;
    held.record(['alpha'], outcome(['alpha']));
    expect(held.list()).toEqual([
      { topic: 'alpha', reason: 'alpha is missing', since: 1_000_010 },
      { topic: 'zeta', reason: 'zeta is missing', since: 1_000_000 },
    ]);
    held.clear();
    expect(held.list()).toEqual([]);
  });
});
