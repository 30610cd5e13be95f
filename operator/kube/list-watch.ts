// A cache of one collection kept by list and watch, as client-go's reflector and the library's ListWatch
// do: list (emitting add, update and delete against what the cache held), then watch from the list's
// resourceVersion, and watch again from the last one seen whenever the API server ends the watch. A 410
// Gone (the resourceVersion is too old) lists again; any other failure is reported through onError and the
// loop stops: the caller restarts it with backoff (informer.ts).
import { KubeApiError, type KubeList, type KubeObject } from './client.js';
import type { WatchEventType, WatchHandle } from './watch.js';

export interface ListWatchOptions<T extends KubeObject> {
  list: () => Promise<KubeList<T>>;
  watch: (resourceVersion: string, onEvent: (type: WatchEventType, obj: T) => void) => WatchHandle;
  onAdd: (obj: T) => void;
  onUpdate: (obj: T) => void;
  onDelete: (obj: T) => void;
  onError: (err: unknown) => void;
  /**
   * Which objects the cache holds (default: all). One it does not hold is passed on as an update, every
   * time it is seen, and never as a delete.
   */
  keep?: (obj: T) => boolean;
  /** After each list is in the cache (the first, and each after a 410). */
  onRelisted?: () => void;
}

const isGone = (err: unknown) => (err as { statusCode?: number } | undefined)?.statusCode === 410;

export class ListWatch<T extends KubeObject> {
  private objects = new Map<string, Map<string, T>>();
  private resourceVersion = '';
  private stopped = true;
  private current: WatchHandle | undefined;
  /** An ERROR event of the current watch (a Status object). */
  private failure: { code?: number; reason?: string; message?: string } | undefined;

  constructor(private readonly o: ListWatchOptions<T>) {}

  /** Lists if needed and starts watching; resolves once the list is in, rejects if it failed. */
  async start(): Promise<void> {
    this.stopped = false;
    if (!this.resourceVersion) await this.relist();
    void this.watchLoop();
  }

  stop(): void {
    this.stopped = true;
    this.current?.abort();
    this.current = undefined;
  }

  get(name: string, namespace?: string): T | undefined {
    return this.objects.get(namespace ?? '')?.get(name);
  }

  list(namespace?: string): T[] {
    if (namespace) return [...(this.objects.get(namespace)?.values() ?? [])];
    return [...this.objects.values()].flatMap((m) => [...m.values()]);
  }

  private async relist(): Promise<void> {
    const list = await this.o.list();
    const fresh = new Set(list.items.map((i) => `${i.metadata?.namespace ?? ''}/${i.metadata?.name ?? ''}`));
    for (const obj of this.list()) {
      if (!fresh.has(`${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`)) this.remove(obj);
    }
    for (const obj of list.items) this.upsert(obj);
    this.resourceVersion = list.metadata?.resourceVersion ?? '';
    this.o.onRelisted?.();
  }

  private async watchLoop(): Promise<void> {
    while (!this.stopped) {
      try {
        if (!this.resourceVersion) await this.relist();
        if (this.stopped) return;
        this.current = this.o.watch(this.resourceVersion, (type, obj) => this.onWatchEvent(type, obj));
        await this.current.done;
        const f = this.failure;
        this.failure = undefined;
        if (f) throw new KubeApiError('WATCH', '', f.code ?? 0, f.reason ?? 'Error', f.message ?? '');
      } catch (err) {
        if (this.stopped) return;
        if (isGone(err)) {
          this.resourceVersion = '';
          continue;
        }
        this.stopped = true;
        this.o.onError(err);
        return;
      }
    }
  }

  private onWatchEvent(type: WatchEventType, obj: T): void {
    switch (type) {
      case 'ADDED':
      case 'MODIFIED':
        this.upsert(obj);
        break;
      case 'DELETED':
        // Not held (keep said no when it was last seen): passed on all the same.
        if (!this.remove(obj) && this.o.keep) this.o.onDelete(obj);
        break;
      case 'ERROR':
        // A Status object (410: our resourceVersion is too old); the watch is over.
        this.failure = obj as NonNullable<typeof this.failure>;
        this.current?.abort();
        return;
      case 'BOOKMARK':
        break;
    }
    this.resourceVersion = obj.metadata?.resourceVersion ?? this.resourceVersion;
  }

  private upsert(obj: T): void {
    if (this.o.keep && !this.o.keep(obj)) {
      this.o.onUpdate(obj);
      return;
    }
    const ns = obj.metadata?.namespace ?? '';
    const name = obj.metadata?.name ?? '';
    let byName = this.objects.get(ns);
    if (!byName) this.objects.set(ns, (byName = new Map()));
    const old = byName.get(name);
    byName.set(name, obj);
    if (!old) this.o.onAdd(obj);
    else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.o.onUpdate(obj);
  }

  /** Whether it was held. */
  private remove(obj: T): boolean {
    const ns = obj.metadata?.namespace ?? '';
    const byName = this.objects.get(ns);
    if (!byName?.delete(obj.metadata?.name ?? '')) return false;
    if (byName.size === 0) this.objects.delete(ns);
    this.o.onDelete(obj);
    return true;
  }
}
