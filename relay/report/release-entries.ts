// The entries a clean stop could not release. A stop releases this pod's fields by applying no entries
// (reporter.ts); after another pod that reported on the same database died, that pod's field manager still
// owns part of the entry (its name, the fields no one wrote after it), so the release would leave an
// entry without its required fields, and the API server refuses it (422). The entry would then stay for
// good, with this pod's last counts under a pod that is gone.
//
// Then the entries this pod reported on are read again and removed by JSON patch, each only if no other
// pod publishes it: it is reported by this pod, and its publishers hold no element of another pod, but
// those of pods known to have no live member (prune-publishers.ts). The patch tests both (reportedBy,
// and the publishers list as read), so a pod that wrote to the entry since makes it fail with 422, and
// its report stands.
import type { Logger } from '../logger.js';
import { record, type IsLive } from './prune-publishers.js';
import { StatusWriteError, type JsonPatchOperation } from './status-client.js';

export const REMOVED =
  'removed the status entry its release could not: only a gone pod’s fields were left in it';

export interface EntryRemoval {
  database: string;
  patch: JsonPatchOperation[];
}

/** The removals of the entries named, last index first, so the indexes of those still to go stay valid. */
export function planEntryRemovals(
  answer: unknown,
  podName: string,
  names: readonly string[],
  isLive: IsLive = () => undefined,
): EntryRemoval[] {
  const databases = record(record(answer)?.status)?.databases;
  if (!Array.isArray(databases)) return [];
  return databases
    .map((value, d) => ({ d, entry: record(value) }))
    .filter(({ entry }) => typeof entry?.name === 'string' && names.includes(entry.name))
    .filter(({ entry }) => entry!.reportedBy === podName)
    .filter(({ entry }) => {
      const publishers = entry!.publishers;
      if (publishers === undefined) return true;
      if (!Array.isArray(publishers)) return false;
      const gone = (pod: unknown) => typeof pod === 'string' && isLive(entry!.name as string, pod) === false;
      return publishers.map((p) => record(p)?.pod).every((pod) => pod === podName || gone(pod));
    })
    .reverse()
    .map(({ d, entry }) => {
      const at = `/status/databases/${d}`;
      const patch: JsonPatchOperation[] = [
        { op: 'test', path: `${at}/name`, value: entry!.name },
        { op: 'test', path: `${at}/reportedBy`, value: podName },
        ...(entry!.publishers === undefined
          ? []
          : [{ op: 'test' as const, path: `${at}/publishers`, value: entry!.publishers }]),
        { op: 'remove', path: at },
      ];
      return { database: entry!.name as string, patch };
    });
}

export interface EntryRemoverDeps {
  patchStatus: (operations: readonly JsonPatchOperation[], timeoutMs?: number) => Promise<void>;
  /** The object as it is now. */
  get: (timeoutMs?: number) => Promise<unknown>;
  podName: string;
  isLive?: IsLive;
  logger: Logger;
  timeoutMs?: number;
}

/** Removes what planEntryRemovals finds; a failed test (422) is logged at debug. Never rejects. */
export function createEntryRemover(deps: EntryRemoverDeps): (names: readonly string[]) => Promise<number> {
  const log = deps.logger.child({ component: 'report' });
  return async (names) => {
    let removed = 0;
    const now = await deps.get(deps.timeoutMs).catch((error: unknown) => {
      log.warn({ err: error }, 'status entries not removed');
      return undefined;
    });
    for (const { database, patch } of planEntryRemovals(now, deps.podName, names, deps.isLive)) {
      try {
        await deps.patchStatus(patch, deps.timeoutMs);
        removed++;
        log.info({ database }, REMOVED);
      } catch (error) {
        const moved = error instanceof StatusWriteError && error.statusCode === 422;
        if (moved) log.debug({ database, err: error }, 'status entry left: another pod wrote to it');
        else log.warn({ database, err: error }, 'status entry not removed');
      }
    }
    return removed;
  };
}
