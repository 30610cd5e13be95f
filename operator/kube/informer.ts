// An informer (a ListWatch cache) that is restarted with backoff when it fails: the ListWatch relists on
// 410 Gone by itself but stops on any other error, leaving the restart to us.
import type { Logger } from 'pino';
import { backoffDelay, type BackoffOptions } from '../runtime/backoff.js';
import type { Clock } from '../runtime/clock.js';
import {
  METADATA_LIST,
  METADATA_OBJECT,
  type KubeClient,
  type KubeConnection,
  type KubeObject,
} from './client.js';
import { ListWatch } from './list-watch.js';
import { listAllPages } from './paged-list.js';
import { startWatch } from './watch.js';

// As client-go's reflector: the API server ends each watch after a random 5 to 10 minutes.
const WATCH_TIMEOUT_SECONDS = { min: 300, max: 600 };

export type InformerEvent = 'add' | 'update' | 'delete';

export interface ResilientInformer<T extends KubeObject> {
  readonly name: string;
  /** Resolves once the first list is in (and the watch started). */
  start(): Promise<void>;
  stop(): Promise<void>;
  get(name: string, namespace?: string): T | undefined;
  list(namespace?: string): T[];
  synced(): boolean;
  restarts(): number;
}

export interface InformerOptions<T extends KubeObject> {
  name: string;
  kc: KubeConnection;
  client: KubeClient;
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Objects per LIST page (paged-list.ts). */
  pageSize?: number;
  /** Lists and watches metadata only (PartialObjectMetadata). */
  metadataOnly?: boolean;
  /** Which objects the cache holds (list-watch.ts); the others are only passed on. */
  keep?: (obj: T) => boolean;
  /** After each list is in the cache. */
  onRelisted?: () => void;
  onEvent: (event: InformerEvent, obj: T) => void;
  /** Each failure, before the restart (for a count of refusals). */
  onFailure?: (err: unknown) => void;
  clock: Clock;
  log: Logger;
  backoff?: BackoffOptions;
}

/**
 * The caches hold what the operator reads, not the API server's bookkeeping: managedFields (one entry per
 * field manager, with the set of fields each owns) are often the largest part of a Deployment, and with a
 * thousand OutboxRelays they were a large part of the operator's heap. Nothing reads them; server-side
 * apply is computed by the API server.
 */
function trimmed<T extends KubeObject>(obj: T): T {
  if (obj.metadata && 'managedFields' in obj.metadata)
    delete (obj.metadata as { managedFields?: unknown }).managedFields;
  return obj;
}

/** The ListWatch of the informer's collection, its events passed on as add, update and delete. */
function listWatch<T extends KubeObject>(
  o: InformerOptions<T>,
  onListed: () => void,
  onError: (err: unknown) => void,
): ListWatch<T> {
  const { min, max } = WATCH_TIMEOUT_SECONDS;
  return new ListWatch<T>({
    list: async () => {
      const { labelSelector, fieldSelector, pageSize: limit } = o;
      const accept = o.metadataOnly ? METADATA_LIST : undefined;
      const query = { labelSelector, fieldSelector, limit, accept };
      const list = await listAllPages<T>(o.client, o.path, query);
      list.items.forEach(trimmed);
      onListed();
      return list;
    },
    watch: (resourceVersion, onEvent) =>
      startWatch(o.kc, {
        path: o.path,
        resourceVersion,
        labelSelector: o.labelSelector,
        fieldSelector: o.fieldSelector,
        accept: o.metadataOnly ? METADATA_OBJECT : undefined,
        timeoutSeconds: Math.round(min + Math.random() * (max - min)),
        onEvent: (type, obj: T) => onEvent(type, trimmed(obj)),
      }),
    onAdd: (obj) => o.onEvent('add', obj),
    onUpdate: (obj) => o.onEvent('update', obj),
    onDelete: (obj) => o.onEvent('delete', obj),
    onError,
    keep: o.keep,
    onRelisted: o.onRelisted,
  });
}

export function createInformer<T extends KubeObject>(o: InformerOptions<T>): ResilientInformer<T> {
  const log = o.log.child({ informer: o.name });
  let listed = false;
  let stopped = false;
  let failures = 0;
  let restartCount = 0;
  let timer: unknown;
  let resolveSynced!: () => void;
  const syncedPromise = new Promise<void>((r) => (resolveSynced = r));

  const inf = listWatch(o, () => (listed = true), onError);

  async function run(): Promise<void> {
    if (stopped) return;
    try {
      await inf.start();
    } catch (err) {
      onError(err);
      return;
    }
    if (listed) {
      failures = 0;
      resolveSynced();
    }
  }

  function onError(err: unknown): void {
    if (stopped) return;
    o.onFailure?.(err);
    failures++;
    restartCount++;
    const delay = backoffDelay(failures, o.backoff ?? { baseMs: 500, maxMs: 30_000, jitter: 0.2 });
    // Errors carry no object data, only status and message.
    log.warn({ err, delayMs: delay }, 'informer failed; restarting');
    o.clock.clearTimeout(timer);
    timer = o.clock.setTimeout(() => void run(), delay);
  }

  return {
    name: o.name,
    async start() {
      stopped = false;
      void run();
      await syncedPromise;
      log.debug('informer synced');
    },
    async stop() {
      stopped = true;
      o.clock.clearTimeout(timer);
      inf.stop();
    },
    get: (name, namespace) => inf.get(name, namespace),
    list: (namespace) => inf.list(namespace),
    synced: () => listed,
    restarts: () => restartCount,
  };
}
