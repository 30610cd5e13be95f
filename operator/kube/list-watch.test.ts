// The ListWatch loop with a scripted API: lists and watches are functions, each watch a stream the test
// feeds and ends.
import { KubeApiError, type KubeList, type KubeObject } from './client.js';
import { ListWatch } from './list-watch.js';
import type { WatchEventType, WatchHandle } from './watch.js';

function cm(name: string, rv: string): KubeObject {
  return { metadata: { name, namespace: 'ns', resourceVersion: rv } };
}

interface FakeWatch {
  resourceVersion: string;
  send(type: WatchEventType, obj: KubeObject | Record<string, unknown>): void;
  end(err?: unknown): void;
  aborted: boolean;
}

function setup(
  lists: Array<KubeList<KubeObject> | Error>,
  extra: Partial<ConstructorParameters<typeof ListWatch<KubeObject>>[0]> = {},
) {
  const events: string[] = [];
  const errors: unknown[] = [];
  const watches: FakeWatch[] = [];
  let listCalls = 0;
  const lw = new ListWatch<KubeObject>({
    list: async () => {
      const next = lists[Math.min(listCalls++, lists.length - 1)]!;
      if (next instanceof Error) throw next;
      return next;
    },
    watch: (resourceVersion, onEvent): WatchHandle => {
      let settle!: { resolve: () => void; reject: (e: unknown) => void };
      const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
      const w: FakeWatch = {
        resourceVersion,
        aborted: false,
        send: (type, obj) => onEvent(type, obj as KubeObject),
        end: (err) => (err ? settle.reject(err) : settle.resolve()),
      };
      watches.push(w);
      return {
        done,
        abort: () => {
          w.aborted = true;
          settle.resolve();
        },
      };
    },
    onAdd: (o) => events.push(`add ${o.metadata?.name}`),
    onUpdate: (o) => events.push(`update ${o.metadata?.name}`),
    onDelete: (o) => events.push(`delete ${o.metadata?.name}`),
    onError: (e) => errors.push(e),
    ...extra,
  });
  const tick = () => new Promise((r) => setTimeout(r, 0));
  return { lw, events, errors, watches, tick, listCalls: () => listCalls };
}

const list = (rv: string, ...items: KubeObject[]): KubeList<KubeObject> => ({
  metadata: { resourceVersion: rv },
  items,
});

describe('ListWatch', () => {
  it('lists, then watches from the list resourceVersion and keeps the cache', async () => {
    const t = setup([list('10', cm('a', '9'))]);
    await t.lw.start();
    await t.tick();
    expect(t.watches[0]?.resourceVersion).toBe('10');
    t.watches[0]!.send('ADDED', cm('b', '11'));
    t.watches[0]!.send('MODIFIED', cm('a', '12'));
    t.watches[0]!.send('MODIFIED', cm('a', '12')); // the same version again: no event
    t.watches[0]!.send('DELETED', cm('b', '13'));
    expect(t.events).toEqual(['add a', 'add b', 'update a', 'delete b']);
    expect(t.lw.list().map((o) => o.metadata?.resourceVersion)).toEqual(['12']);
    expect(t.lw.get('a', 'ns')?.metadata?.resourceVersion).toBe('12');
    t.lw.stop();
  });

  it('watches again from the last resourceVersion (a bookmark counts) when the server ends a watch', async () => {
    const t = setup([list('10')]);
    await t.lw.start();
    await t.tick();
    t.watches[0]!.send('ADDED', cm('a', '11'));
    t.watches[0]!.send('BOOKMARK', { metadata: { resourceVersion: '15' } });
    t.watches[0]!.end();
    await t.tick();
    expect(t.watches[1]?.resourceVersion).toBe('15');
    expect(t.listCalls()).toBe(1);
    t.lw.stop();
  });

  it('lists again after 410 Gone and reports what changed meanwhile, deletes included', async () => {
    const t = setup([list('10', cm('a', '1'), cm('b', '2')), list('20', cm('a', '5'), cm('c', '6'))]);
    await t.lw.start();
    await t.tick();
    t.watches[0]!.send('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old' });
    await t.tick();
    await t.tick();
    expect(t.watches[0]?.aborted).toBe(true);
    expect(t.listCalls()).toBe(2);
    expect(t.watches[1]?.resourceVersion).toBe('20');
    expect(t.events).toEqual(['add a', 'add b', 'delete b', 'update a', 'add c']);
    expect(t.errors).toEqual([]);
    t.lw.stop();
  });

  it('lists again when the watch request itself answers 410', async () => {
    const t = setup([list('10'), list('20')]);
    await t.lw.start();
    await t.tick();
    t.watches[0]!.end(new KubeApiError('WATCH', '/x', 410, 'Gone', 'too old'));
    await t.tick();
    await t.tick();
    expect(t.listCalls()).toBe(2);
    expect(t.watches[1]?.resourceVersion).toBe('20');
  });

  it('stops and reports any other failure, for the informer to restart it with backoff', async () => {
    const t = setup([list('10')]);
    await t.lw.start();
    await t.tick();
    t.watches[0]!.send('ERROR', { kind: 'Status', code: 500, reason: 'InternalError', message: 'boom' });
    await t.tick();
    expect(t.errors).toHaveLength(1);
    expect(t.errors[0]).toMatchObject({ statusCode: 500, retriable: true });
    expect(t.watches).toHaveLength(1);
    // Restarted: no new list, a watch from where it was.
    await t.lw.start();
    await t.tick();
    expect(t.listCalls()).toBe(1);
    expect(t.watches[1]?.resourceVersion).toBe('10');
    t.lw.stop();
  });

  it('rejects start when the list fails', async () => {
    const t = setup([new KubeApiError('GET', '/x', 503, 'ServiceUnavailable', 'starting')]);
    await expect(t.lw.start()).rejects.toMatchObject({ statusCode: 503 });
    expect(t.watches).toHaveLength(0);
  });

  it('starts no new watch once stopped', async () => {
    const t = setup([list('10')]);
    await t.lw.start();
    await t.tick();
    t.lw.stop();
    await t.tick();
    expect(t.watches[0]?.aborted).toBe(true);
    expect(t.watches).toHaveLength(1);
  });

  it('holds only what keep accepts, passes the rest on as updates (deletes too), and says when each list is in', async () => {
    let relisted = 0;
    const held = new Set(['a']);
    const t = setup([list('10', cm('a', '1'), cm('b', '2')), list('20', cm('a', '3'))], {
      keep: (o) => held.has(o.metadata?.name ?? ''),
      onRelisted: () => relisted++,
    });
    await t.lw.start();
    await t.tick();
    expect(relisted).toBe(1);
    expect(t.lw.list().map((o) => o.metadata?.name)).toEqual(['a']);
    t.watches[0]!.send('MODIFIED', cm('b', '11'));
    t.watches[0]!.send('DELETED', cm('b', '12'));
    expect(t.events).toEqual(['add a', 'update b', 'update b', 'delete b']);
    t.watches[0]!.send('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old' });
    await t.tick();
    await t.tick();
    expect(relisted).toBe(2);
    t.lw.stop();
  });
});
