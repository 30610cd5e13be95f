// An informer (the library's ListWatch cache) that is restarted with backoff when it fails: the library
// relists on 410 Gone by itself but stops on any other error, leaving the restart to us.
import { makeInformer, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { backoffDelay, type BackoffOptions } from '../runtime/backoff.js';
import type { Clock } from '../runtime/clock.js';
import type { KubeClient, KubeObject } from './client.js';

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
  kc: KubeConfig;
  client: KubeClient;
  path: string;
  labelSelector?: string;
  onEvent: (event: InformerEvent, obj: T) => void;
  clock: Clock;
  log: Logger;
  backoff?: BackoffOptions;
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

  const listFn = async () => {
    const list = await o.client.list<T>(o.path, o.labelSelector);
    listed = true;
    return list as unknown as { items: KubernetesObject[]; metadata: { resourceVersion?: string } };
  };
  const inf = makeInformer<KubernetesObject>(o.kc, o.path, listFn as never, o.labelSelector);
  inf.on('add', (obj) => o.onEvent('add', obj as T));
  inf.on('update', (obj) => o.onEvent('update', obj as T));
  inf.on('delete', (obj) => o.onEvent('delete', obj as T));

  const run = async (): Promise<void> => {
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
  };

  const onError = (err: unknown): void => {
    if (stopped) return;
    failures++;
    restartCount++;
    const delay = backoffDelay(failures, o.backoff ?? { baseMs: 500, maxMs: 30_000, jitter: 0.2 });
    // Errors carry no object data, only status and message.
    log.warn({ err, delayMs: delay }, 'informer failed; restarting');
    o.clock.clearTimeout(timer);
    timer = o.clock.setTimeout(() => void run(), delay);
  };
  inf.on('error', onError);

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
      await inf.stop();
    },
    get: (name, namespace) => inf.get(name, namespace) as T | undefined,
    list: (namespace) => inf.list(namespace) as T[],
    synced: () => listed,
    restarts: () => restartCount,
  };
}
