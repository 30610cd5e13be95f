import { FakeClock } from './fake-clock.js';
import { WorkQueue } from './workqueue.js';

function queue(clock = new FakeClock(), burst = 100): WorkQueue {
  return new WorkQueue({ clock, backoff: { baseMs: 100, maxMs: 1000 }, ratePerSecond: 10, burst });
}

describe('WorkQueue', () => {
  it('hands out a key added twice only once', async () => {
    const q = queue();
    q.add('a');
    q.add('a');
    q.add('b');
    expect(q.len()).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
    expect(q.len()).toBe(0);
  });

  it('never hands a key to two workers at once, and requeues it when added during processing', async () => {
    const q = queue();
    q.add('a');
    expect(await q.get()).toBe('a');
    q.add('a');
    expect(q.len()).toBe(0);
    q.done('a');
    expect(q.len()).toBe(1);
    expect(await q.get()).toBe('a');
  });

  it('wakes a waiting worker when a key arrives', async () => {
    const q = queue();
    const next = q.get();
    q.add('x');
    await expect(next).resolves.toBe('x');
  });

  it('backs a failing key off exponentially up to the cap, and forget resets it', async () => {
    const clock = new FakeClock();
    const q = queue(clock);
    expect([1, 2, 3, 4, 5].map(() => q.addRateLimited('k'))).toEqual([100, 200, 400, 800, 1000]);
    q.forget('k');
    expect(q.addRateLimited('k')).toBe(100);
  });

  it('adds a rate-limited key only after its delay has passed', async () => {
    const clock = new FakeClock();
    const q = queue(clock);
    q.addRateLimited('k');
    q.addRateLimited('k');
    await clock.advance(99);
    expect(q.len()).toBe(0);
    await clock.advance(1);
    expect(q.len()).toBe(1);
  });

  it('keeps overall retries under the bucket rate once the burst is spent', () => {
    const q = queue(new FakeClock(), 2);
    expect(q.addRateLimited('a')).toBe(100);
    expect(q.addRateLimited('b')).toBe(100);
    expect(q.addRateLimited('c')).toBe(100);
    expect(q.addRateLimited('d')).toBe(200);
  });

  it('releases waiting workers with undefined on shutdown and ignores later adds', async () => {
    const q = queue();
    const next = q.get();
    q.shutDown();
    await expect(next).resolves.toBeUndefined();
    q.add('a');
    expect(q.len()).toBe(0);
  });
});
