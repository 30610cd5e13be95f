// The connections a store opens outside its pool (leadership, LISTEN) are closed with the store, so a
// store that is closed leaves nothing open behind it, whatever its caller forgot.
import type { Leadership } from './store.js';

export class DedicatedConnections {
  private readonly closers = new Set<() => Promise<void>>();

  /** Tracks a leadership until it is released. */
  leadership(held: Leadership | null): Leadership | null {
    if (held === null) return null;
    const release = async () => {
      this.closers.delete(release);
      await held.release();
    };
    this.closers.add(release);
    return { lost: held.lost, release };
  }

  /** Tracks a listener until it is stopped. */
  listener(stop: (() => Promise<void>) | undefined): (() => Promise<void>) | undefined {
    if (stop === undefined) return undefined;
    const tracked = async () => {
      this.closers.delete(tracked);
      await stop();
    };
    this.closers.add(tracked);
    return tracked;
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.closers].map((close) => close()));
  }
}
