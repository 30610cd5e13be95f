// The Secrets the OutboxRelays reference, and only those: one list+watch per referenced Secret
// (fieldSelector=metadata.name=<name> in its namespace), started when the first OutboxRelay references it
// and stopped when the last one stops doing so. The Secrets are the user's (Strimzi's, a Helm release's),
// so there is no label of ours to select them by, and a watch of the whole collection would hold the data
// of every Secret: 1,000 Helm release Secrets of 100 KB each are 100 MB of heap, and a compromised
// operator would give away all of them. The API server authorizes a list or watch with a metadata.name
// field selector against a Role's resourceNames, so the operator runs with a Role naming exactly the
// referenced Secrets.
//
// A watch that has not listed yet knows nothing, which is not the same as a Secret that does not exist:
// `settled` says whether every watch of an OutboxRelay has listed (or failed once: a Secret it may not read
// is then reported as not found, as before), and caches.ts holds the OutboxRelay's work until then.
import type { Logger } from 'pino';
import type { SecretLike } from './controller/secrets-check.js';
import { resourcePath, type KubeClient, type KubeConnection, type KubeObject } from './kube/client.js';
import { createInformer, type ResilientInformer } from './kube/informer.js';
import type { Clock } from './runtime/clock.js';

export interface SecretWatchesDeps {
  kc: KubeConnection;
  client: KubeClient;
  clock: Clock;
  log: Logger;
  /** A watched Secret was added, changed or deleted. */
  onSecret: (secret: SecretLike) => void;
  /** A watch listed (or failed) for the first time. */
  onSettled: (namespace: string, name: string) => void;
  onFailure?: (err: unknown) => void;
}

interface Watch {
  informer: ResilientInformer<SecretLike & KubeObject>;
  refs: number;
  running: boolean;
  settled: boolean;
  /** Resolves when settled, or when the watch is let go before that. */
  done: Promise<void>;
  settle: () => void;
}

const idOf = (namespace: string, name: string) => `${namespace}/${name}`;

export class SecretWatches {
  private readonly watches = new Map<string, Watch>();
  /** The Secrets (namespace/name) each OutboxRelay key references. */
  private readonly byRelay = new Map<string, ReadonlySet<string>>();
  private started = false;

  constructor(private readonly d: SecretWatchesDeps) {}

  /** What an OutboxRelay references now (nothing once it is gone): watches start and stop to match. */
  track(relayKey: string, namespace: string, names: readonly string[]): void {
    const before = this.byRelay.get(relayKey) ?? new Set<string>();
    const after = new Set(names.map((n) => idOf(namespace, n)));
    if (after.size === 0) this.byRelay.delete(relayKey);
    else this.byRelay.set(relayKey, after);
    for (const id of after) if (!before.has(id)) this.acquire(namespace, id.slice(namespace.length + 1));
    for (const id of before) if (!after.has(id)) this.release(id);
  }

  /** Whether every Secret the OutboxRelay references has been listed (or its watch failed once). */
  settled(relayKey: string): boolean {
    for (const id of this.byRelay.get(relayKey) ?? []) if (!this.watches.get(id)?.settled) return false;
    return true;
  }

  /** The OutboxRelay keys that reference the Secret. */
  relaysOf(namespace: string, name: string): string[] {
    const id = idOf(namespace, name);
    return [...this.byRelay].filter(([, ids]) => ids.has(id)).map(([key]) => key);
  }

  get(name: string, namespace?: string): SecretLike | undefined {
    if (namespace === undefined) return undefined;
    return this.watches.get(idOf(namespace, name))?.informer.get(name, namespace);
  }

  list(namespace?: string): SecretLike[] {
    return [...this.watches.values()].flatMap((w) => w.informer.list(namespace));
  }

  /** Watches held, and Secrets cached (for the metrics: no other Secret is ever held). */
  counts(): { watches: number; objects: number } {
    let objects = 0;
    for (const w of this.watches.values()) objects += w.informer.list().length;
    return { watches: this.watches.size, objects };
  }

  /** Starts every watch tracked so far (and later ones as they come); resolves once all have settled. */
  async start(): Promise<void> {
    this.started = true;
    const all = [...this.watches.values()];
    for (const w of all) this.run(w);
    await Promise.all(all.map((w) => w.done));
  }

  async stop(): Promise<void> {
    this.started = false;
    await Promise.all([...this.watches.values()].map((w) => w.informer.stop()));
  }

  private acquire(namespace: string, name: string): void {
    const id = idOf(namespace, name);
    const existing = this.watches.get(id);
    if (existing) {
      existing.refs++;
      return;
    }
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    // The handlers run only once started, by which time `watch` is set.
    const informer = createInformer<SecretLike & KubeObject>({
      ...{ kc: this.d.kc, client: this.d.client, clock: this.d.clock },
      log: this.d.log.child({ secret: id }),
      name: 'secrets',
      path: resourcePath('v1', 'secrets', namespace),
      fieldSelector: `metadata.name=${name}`,
      onEvent: (_event, secret) => {
        if (this.watches.get(id) === watch) this.d.onSecret(secret);
      },
      onFailure: (err) => {
        this.d.onFailure?.(err);
        watch.settle();
      },
    });
    const watch: Watch = {
      ...{ informer, refs: 1, running: false, settled: false, done },
      settle: () => {
        if (watch.settled) return;
        watch.settled = true;
        resolve();
        if (this.watches.get(id) === watch) this.d.onSettled(namespace, name);
      },
    };
    this.watches.set(id, watch);
    if (this.started) this.run(watch);
  }

  /** Starts the watch; it settles once listed, or at its first failure (it then retries with backoff). */
  private run(watch: Watch): void {
    if (watch.running) return;
    watch.running = true;
    void watch.informer.start().then(() => watch.settle());
  }

  private release(id: string): void {
    const watch = this.watches.get(id);
    if (!watch || --watch.refs > 0) return;
    this.watches.delete(id);
    watch.settle();
    void watch.informer.stop();
  }
}
