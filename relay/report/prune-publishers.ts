// The publishers of pods gone. In shared mode each pod applies its own element of
// status.databases[].publishers (build-report.ts) and a clean stop releases it; a pod that dies (SIGKILL,
// node loss, a scale-down without a clean stop) leaves its element behind for good, listing shares the
// others now hold, so the status counts them twice, and stale elements pile up towards the list's 64
// (maxItems: then every pod's apply would be refused). The rule: after each apply, a relay reads the
// object the API server answered with (no extra GET) and removes the element of every pod that has no
// live member in that database's lease table (commands/relays.ts hasLiveMember), never its own. It prunes
// nothing while the members are not known (standby mode, no lease round yet, the database unavailable).
//
// Each element goes by one JSON patch guarded by `test` ops on the entry's name and the element's pod: two
// relays pruning at once, or a list that moved since the answer, make it fail with 422, which is harmless.
//
// A pod paused past its lease (SIGSTOP) may be pruned while it lives. It writes its element again on its
// next changed report, and that comes: its heartbeat and its renewals go in the same lease round, so when
// its heartbeat ended its leases ended too, and awake it finds them lost (shares changed, a changed
// report). Only a pod pruned in the few milliseconds between its heartbeat and its renewal ending could
// keep its shares and an unchanged report; its counts and last publish time change its report as soon as
// rows flow, so nothing more is done for that.
import type { Logger } from '../logger.js';
import { StatusWriteError, type JsonPatchOperation } from './status-client.js';

export const PRUNED = 'pruned the status entry of a pod that is no longer publishing';

/** Whether `pod` has a live member in `database`'s lease table; undefined when that is not known. */
export type IsLive = (database: string, pod: string) => boolean | undefined;

export interface Prune {
  database: string;
  pod: string;
  patch: JsonPatchOperation[];
}

/** The value as a JSON object, or undefined (an answered object is read without trusting its shape). */
export const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** The patch removing element `p` of entry `d`'s publishers, if the entry and the element are still those. */
export function prunePatch(d: number, database: string, p: number, pod: string): JsonPatchOperation[] {
  const element = `/status/databases/${d}/publishers/${p}`;
  return [
    { op: 'test', path: `/status/databases/${d}/name`, value: database },
    { op: 'test', path: `${element}/pod`, value: pod },
    { op: 'remove', path: element },
  ];
}

/**
 * The publishers to prune in this object, one patch each. Within an entry the last element goes first, so
 * the indexes of those still to go stay what the object says.
 */
export function planPrunes(object: unknown, podName: string, isLive: IsLive): Prune[] {
  const databases = list(record(record(object)?.status)?.databases);
  return databases.flatMap((value, d) => {
    const entry = record(value);
    const database = entry?.name;
    if (typeof database !== 'string') return [];
    return list(entry?.publishers)
      .map((element, p) => ({ p, pod: record(element)?.pod }))
      .filter((e): e is { p: number; pod: string } => typeof e.pod === 'string' && e.pod !== podName)
      .filter((e) => isLive(database, e.pod) === false)
      .reverse()
      .map((e) => ({ database, pod: e.pod, patch: prunePatch(d, database, e.p, e.pod) }));
  });
}

export interface PrunerDeps {
  patchStatus: (operations: readonly JsonPatchOperation[]) => Promise<void>;
  podName: string;
  isLive: IsLive;
  logger: Logger;
}

/**
 * Prunes what planPrunes finds in an applied object. A failed test (422) is logged at debug and the next
 * goes on; any other failure ends this round (the next apply tries again). Never rejects.
 */
export function createPublisherPruner(deps: PrunerDeps): (object: unknown) => Promise<number> {
  const log = deps.logger.child({ component: 'report' });
  return async (object) => {
    let pruned = 0;
    for (const { database, pod, patch } of planPrunes(object, deps.podName, deps.isLive)) {
      try {
        await deps.patchStatus(patch);
        pruned++;
        log.info({ database, pod }, PRUNED);
      } catch (error) {
        if (error instanceof StatusWriteError && error.statusCode === 422) {
          log.debug({ database, pod, err: error }, 'status entry of a pod gone not pruned: it moved or went');
          continue;
        }
        log.warn(
          { database, pod, err: error },
          'status entry of a pod gone not pruned; the next report tries',
        );
        break;
      }
    }
    return pruned;
  };
}
