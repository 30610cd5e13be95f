import { DedicatedConnections } from './dedicated.js';
import type { Leadership } from './store.js';

function fakeLeadership(): Leadership & { releases: number } {
  const held = {
    releases: 0,
    lost: new Promise<void>(() => undefined),
    async release() {
      held.releases += 1;
    },
  };
  return held;
}

describe('DedicatedConnections', () => {
  it('releases on close the leaderships and listeners still held, and only those', async () => {
    const tracker = new DedicatedConnections();
    const kept = fakeLeadership();
    const released = fakeLeadership();
    tracker.leadership(kept);
    await tracker.leadership(released)!.release();
    let stopped = 0;
    tracker.listener(async () => {
      stopped += 1;
    });
    await tracker.closeAll();
    expect(kept.releases).toBe(1);
    expect(released.releases).toBe(1);
    expect(stopped).toBe(1);
  });

  it('passes through a refused leadership and an absent listener', () => {
    const tracker = new DedicatedConnections();
    expect(tracker.leadership(null)).toBeNull();
    expect(tracker.listener(undefined)).toBeUndefined();
  });

  it('closes everything even when one release fails', async () => {
    const tracker = new DedicatedConnections();
    const good = fakeLeadership();
    tracker.listener(() => Promise.reject(new Error('already gone')));
    tracker.leadership(good);
    await tracker.closeAll();
    expect(good.releases).toBe(1);
  });
});
