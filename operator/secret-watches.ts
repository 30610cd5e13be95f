// The Secrets the OutboxRelays reference, and only those. The Secrets are the user's (Strimzi's, a Helm
// release's), so there is no label of ours to select them by, and a watch of the whole collection would
// hold the data of every Secret: 1,000 Helm release Secrets of 100 KB each are 100 MB of heap, and a
// compromised operator would give away all of them. Each referenced Secret is read by name
// (secret-sources.ts), from the first OutboxRelay that references it to the last, once however many share
// it; no other Secret's data is ever held.
//
// How, per watched namespace (or for the cluster), decided once at start by asking the API server what the
// operator may do (SelfSubjectAccessReview, so nothing is refused):
// - it may not list the namespace's Secrets (a Role whose secrets rule names them, resourceNames): a
//   list+watch of each by name, which the API server authorizes against resourceNames;
// - it may: one watch of the namespace's Secret metadata (no data; only the referenced ones are held),
//   and each referenced Secret fetched by name when it changes. Per-name watches cost a connection each
//   (secret-sources.ts), too much for 1,000 OutboxRelays.
//
// A Secret not read yet is not a Secret that does not exist: `settled` says whether every Secret of an
// OutboxRelay has been read (or refused once: it is then reported as not found, as before), and caches.ts
// holds the OutboxRelay's work until then.
import type { Logger } from 'pino';
import type { SecretLike } from './controller/secrets-check.js';
import { resourcePath, type KubeClient, type KubeConnection, type KubeObject } from './kube/client.js';
import { createInformer, type ResilientInformer } from './kube/informer.js';
import type { Clock } from './runtime/clock.js';
import { createLimiter, fetchedSource, watchedSource, type SecretSource } from './secret-sources.js';

/** Reads of fetched Secrets in flight at once (secret-sources.ts createLimiter). */
const FETCHES_AT_ONCE = 8;

export interface SecretWatchesDeps {
  kc: KubeConnection;
  client: KubeClient;
  clock: Clock;
  log: Logger;
  /** The watched namespaces; undefined: all (one scope, the cluster). */
  namespaces: readonly string[] | undefined;
  /** Whether the operator may list and watch Secrets in the namespace (undefined: the cluster). */
  canListSecrets?: (namespace: string | undefined) => Promise<boolean>;
  /** A read Secret was added, changed or deleted. */
  onSecret: (secret: SecretLike) => void;
  /** A Secret was read (or refused) for the first time. */
  onSettled: (namespace: string, name: string) => void;
  onFailure?: (err: unknown) => void;
}

interface Entry {
  namespace: string;
  name: string;
  refs: number;
  source?: SecretSource;
  settled: boolean;
  /** Resolves when settled, or when the entry is let go before that. */
  done: Promise<void>;
  settle: () => void;
}

const idOf = (namespace: string, name: string) => `${namespace}/${name}`;

export class SecretWatches {
  private readonly entries = new Map<string, Entry>();
  /** The Secrets (namespace/name) each OutboxRelay key references. */
  private readonly byRelay = new Map<string, ReadonlySet<string>>();
  /** Metadata watches, by scope ('' for the cluster), where the operator may list Secrets. */
  private readonly metadataWatches = new Map<string, ResilientInformer<KubeObject>>();
  private started = false;
  private readonly limit = createLimiter(FETCHES_AT_ONCE);

  constructor(private readonly d: SecretWatchesDeps) {}

  /** What an OutboxRelay references now (nothing once it is gone): reads start and stop to match. */
  track(relayKey: string, namespace: string, names: readonly string[]): void {
    const before = this.byRelay.get(relayKey) ?? new Set<string>();
    const after = new Set(names.map((n) => idOf(namespace, n)));
    if (after.size === 0) this.byRelay.delete(relayKey);
    else this.byRelay.set(relayKey, after);
    for (const id of after) if (!before.has(id)) this.acquire(namespace, id.slice(namespace.length + 1));
    for (const id of before) if (!after.has(id)) this.release(id);
  }

  /** Whether every Secret the OutboxRelay references has been read (or refused once). */
  settled(relayKey: string): boolean {
    for (const id of this.byRelay.get(relayKey) ?? []) if (!this.entries.get(id)?.settled) return false;
    return true;
  }

  /** The OutboxRelay keys that reference the Secret. */
  relaysOf(namespace: string, name: string): string[] {
    const id = idOf(namespace, name);
    return [...this.byRelay].filter(([, ids]) => ids.has(id)).map(([key]) => key);
  }

  get(name: string, namespace?: string): SecretLike | undefined {
    if (namespace === undefined) return undefined;
    return this.entries.get(idOf(namespace, name))?.source?.get();
  }

  list(namespace?: string): SecretLike[] {
    return [...this.entries.values()]
      .filter((e) => namespace === undefined || e.namespace === namespace)
      .flatMap((e) => e.source?.get() ?? []);
  }

  /** Secrets held, per-name watches and metadata watches (for the metrics). */
  counts(): { objects: number; byName: number; byNamespace: number } {
    const objects = this.list().length;
    const byNamespace = this.metadataWatches.size;
    const watched = [...this.entries.values()].filter((e) => e.source && !this.metadataWatchOf(e.namespace));
    return { objects, byName: watched.length, byNamespace };
  }

  /** Decides how each scope is read, then reads every Secret tracked so far; resolves once all settled. */
  async start(): Promise<void> {
    for (const namespace of this.d.namespaces ?? [undefined]) {
      // Unknown (the review failed) reads by name, which works under either kind of rule.
      const may = await this.d.canListSecrets?.(namespace).catch((err: unknown) => {
        this.d.log.warn({ err, namespace }, 'could not review access to Secrets; reading them by name');
        return false;
      });
      if (!may) continue;
      const watch = this.metadataWatch(namespace);
      this.metadataWatches.set(namespace ?? '', watch);
      await watch.start();
    }
    this.started = true;
    const all = [...this.entries.values()];
    for (const e of all) this.run(e);
    await Promise.all(all.map((e) => e.done));
  }

  async stop(): Promise<void> {
    this.started = false;
    for (const e of this.entries.values()) e.source?.stop();
    await Promise.all([...this.metadataWatches.values()].map((w) => w.stop()));
  }

  private metadataWatchOf(namespace: string): ResilientInformer<KubeObject> | undefined {
    return this.metadataWatches.get(this.d.namespaces ? namespace : '');
  }

  /** The metadata of the scope's Secrets, holding only the referenced ones; changes go to their sources. */
  private metadataWatch(namespace: string | undefined): ResilientInformer<KubeObject> {
    const idOfObj = (o: KubeObject) => idOf(o.metadata?.namespace ?? '', o.metadata?.name ?? '');
    const informer: ResilientInformer<KubeObject> = createInformer<KubeObject>({
      ...{ kc: this.d.kc, client: this.d.client, clock: this.d.clock, log: this.d.log },
      name: 'secret-metadata',
      path: resourcePath('v1', 'secrets', namespace),
      metadataOnly: true,
      keep: (o) => this.entries.has(idOfObj(o)),
      onEvent: (event, o) =>
        this.entries
          .get(idOfObj(o))
          ?.source?.changed(event === 'delete' ? undefined : o.metadata?.resourceVersion),
      // After a relist (a 410), a referenced Secret the list no longer holds was deleted meanwhile.
      onRelisted: () => {
        for (const e of this.entries.values()) {
          if (this.metadataWatchOf(e.namespace) !== informer) continue;
          e.source?.changed(informer.get(e.name, e.namespace)?.metadata?.resourceVersion);
        }
      },
      onFailure: this.d.onFailure,
    });
    return informer;
  }

  private acquire(namespace: string, name: string): void {
    const id = idOf(namespace, name);
    const existing = this.entries.get(id);
    if (existing) {
      existing.refs++;
      return;
    }
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    const entry: Entry = {
      ...{ namespace, name, refs: 1, settled: false, done },
      settle: () => {
        if (entry.settled) return;
        entry.settled = true;
        resolve();
        if (this.entries.get(id) === entry) this.d.onSettled(namespace, name);
      },
    };
    this.entries.set(id, entry);
    if (this.started) this.run(entry);
  }

  /** Starts reading the Secret, by its own watch or fetched, as its namespace's access allows. */
  private run(entry: Entry): void {
    if (entry.source) return;
    const { namespace, name } = entry;
    const id = idOf(namespace, name);
    const deps = {
      ...{ kc: this.d.kc, client: this.d.client, clock: this.d.clock },
      ...{ log: this.d.log.child({ secret: id }), namespace, name, settle: entry.settle },
      onSecret: (s: SecretLike) => {
        if (this.entries.get(id) === entry) this.d.onSecret(s);
      },
      onFailure: this.d.onFailure,
      limit: this.limit,
    };
    entry.source = this.metadataWatchOf(namespace) ? fetchedSource(deps) : watchedSource(deps);
    entry.source.start();
  }

  private release(id: string): void {
    const entry = this.entries.get(id);
    if (!entry || --entry.refs > 0) return;
    this.entries.delete(id);
    entry.settle();
    entry.source?.stop();
  }
}
