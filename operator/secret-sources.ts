// How the operator reads one referenced Secret (secret-watches.ts chooses per namespace):
// - by its own watch: a list+watch with fieldSelector=metadata.name=<name>, which a Role naming the
//   Secret (resourceNames) allows. Each is a request held open on a TLS connection of its own: 1,000 of
//   them took about 100 MB more RSS than one metadata watch for the same 1,000 Secrets (392 against 294
//   MB, bench/RESULTS.md), which is why it is used only where the operator may not list the namespace's
//   Secrets, that is where a Role names the few it may read.
// - fetched by name: a list with the same field selector when the Secret is first referenced and again
//   each time the namespace's metadata-only watch (no data) sees it change, where the operator may list
//   the namespace's Secrets anyway. One watch per namespace however many Secrets are referenced.
// Either way only this Secret's data is ever held.
import type { Logger } from 'pino';
import type { SecretLike } from './controller/secrets-check.js';
import { resourcePath, type KubeClient, type KubeConnection, type KubeObject } from './kube/client.js';
import { createInformer } from './kube/informer.js';
import { listAllPages } from './kube/paged-list.js';
import { backoffDelay } from './runtime/backoff.js';
import type { Clock } from './runtime/clock.js';

export interface SecretSource {
  /** Starts reading; `settle` is called once the Secret is known, or could not be read. */
  start(): void;
  stop(): void;
  get(): SecretLike | undefined;
  /** The namespace's metadata watch saw this Secret change, appear or go (fetched sources only). */
  changed(resourceVersion: string | undefined): void;
}

export interface SourceDeps {
  kc: KubeConnection;
  client: KubeClient;
  clock: Clock;
  log: Logger;
  namespace: string;
  name: string;
  /** The Secret was added, changed or deleted (the last version seen, for a delete). */
  onSecret: (secret: SecretLike) => void;
  settle: () => void;
  onFailure?: (err: unknown) => void;
  /** Runs a read when a slot is free (fetched sources share one limiter). */
  limit?: Limiter;
}

export type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

/**
 * At most `n` tasks at once. 1,000 OutboxRelays found at start are 1,000 reads: all at once they opened
 * 1,000 TLS connections, which the keep-alive pool then kept (operator RSS 289 MB, bench/RESULTS.md).
 */
export function createLimiter(n: number): Limiter {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (task) => {
    if (running >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

export function watchedSource(d: SourceDeps): SecretSource {
  const informer = createInformer<SecretLike & KubeObject>({
    ...{ kc: d.kc, client: d.client, clock: d.clock, log: d.log },
    name: 'secrets',
    path: resourcePath('v1', 'secrets', d.namespace),
    fieldSelector: `metadata.name=${d.name}`,
    onEvent: (_event, secret) => d.onSecret(secret),
    onFailure: (err) => {
      d.onFailure?.(err);
      d.settle();
    },
  });
  return {
    start: () => void informer.start().then(d.settle),
    stop: () => void informer.stop(),
    get: () => informer.get(d.name, d.namespace),
    changed: () => undefined,
  };
}

const BACKOFF = { baseMs: 500, maxMs: 30_000, jitter: 0.2 };

export function fetchedSource(d: SourceDeps): SecretSource {
  const path = resourcePath('v1', 'secrets', d.namespace);
  let data: SecretLike | undefined;
  let stopped = false;
  let inFlight = false;
  let again = false;
  let failures = 0;
  let timer: unknown;

  async function fetchOnce(): Promise<void> {
    const read = () => listAllPages<SecretLike>(d.client, path, { fieldSelector: `metadata.name=${d.name}` });
    const list = await (d.limit ? d.limit(read) : read());
    if (stopped) return;
    const before = data;
    data = list.items[0];
    const changed = before?.metadata?.resourceVersion !== data?.metadata?.resourceVersion;
    const seen = data ?? before;
    if (changed && seen) d.onSecret(seen);
  }

  async function fetch(): Promise<void> {
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = true;
    try {
      do {
        again = false;
        await fetchOnce();
      } while (again && !stopped);
      failures = 0;
      d.settle();
    } catch (err) {
      d.onFailure?.(err);
      d.settle();
      d.log.warn({ err }, 'reading a Secret failed; retrying');
      d.clock.clearTimeout(timer);
      if (!stopped) timer = d.clock.setTimeout(() => void fetch(), backoffDelay(++failures, BACKOFF));
    } finally {
      inFlight = false;
    }
  }

  return {
    start: () => void fetch(),
    stop() {
      stopped = true;
      d.clock.clearTimeout(timer);
    },
    get: () => data,
    changed(resourceVersion) {
      if (!stopped && (resourceVersion === undefined || resourceVersion !== data?.metadata?.resourceVersion))
        void fetch();
    },
  };
}
