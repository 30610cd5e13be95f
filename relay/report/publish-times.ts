// When Kafka last acknowledged a batch of each database from this process: the report's
// lastPublishedTime. It wraps the batch publisher given to each database's relay, so the engine needs no
// hook for it.
import type { Claim } from '../db/store.js';
import type { BatchOutcome } from '../engine/publish-batch.js';

type Publish = (rows: Claim['rows']) => Promise<BatchOutcome>;

export interface PublishTimes {
  track(database: string, publish: Publish): Publish;
  lastPublishedAt(database: string): number | undefined;
}

export function createPublishTimes(now: () => number = Date.now): PublishTimes {
  const at = new Map<string, number>();
  return {
    track: (database, publish) => async (rows) => {
      const outcome = await publish(rows);
      if (outcome.published.length > 0) at.set(database, now());
      return outcome;
    },
    lastPublishedAt: (database) => at.get(database),
  };
}
