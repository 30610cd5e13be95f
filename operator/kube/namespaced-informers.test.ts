import type { KubeObject } from './client.js';
import type { ResilientInformer } from './informer.js';
import { perNamespace } from './namespaced-informers.js';

/** An informer holding fixed objects of one namespace (or of several, for the cluster-wide one). */
function fixed(objects: KubeObject[]): ResilientInformer<KubeObject> & { started: number } {
  const inf = {
    name: 'x',
    started: 0,
    start: async () => void inf.started++,
    stop: async () => undefined,
    get: (name: string, ns?: string) =>
      objects.find((o) => o.metadata?.name === name && o.metadata?.namespace === ns),
    list: (ns?: string) => objects.filter((o) => ns === undefined || o.metadata?.namespace === ns),
    synced: () => true,
    restarts: () => 1,
  };
  return inf;
}

const obj = (namespace: string, name: string): KubeObject => ({ metadata: { namespace, name } });

describe('perNamespace', () => {
  it('keeps one informer per watched namespace and reads them as one cache', async () => {
    const made: Array<string | undefined> = [];
    const all = perNamespace('things', ['a', 'b'], (ns) => {
      made.push(ns);
      return fixed([obj(ns!, `${ns}-1`), obj(ns!, 'same')]);
    });
    expect(made).toEqual(['a', 'b']);
    await all.start();
    expect(all.get('a-1', 'a')?.metadata?.name).toBe('a-1');
    expect(all.get('a-1', 'b')).toBeUndefined();
    expect(all.get('same', 'b')?.metadata?.namespace).toBe('b');
    expect(all.get('a-1', 'elsewhere')).toBeUndefined();
    expect(all.list('b').map((o) => o.metadata?.name)).toEqual(['b-1', 'same']);
    expect(all.list()).toHaveLength(4);
    expect(all.restarts()).toBe(2);
    expect(all.synced()).toBe(true);
  });

  it('is the one cluster-wide informer when every namespace is watched', () => {
    const one = fixed([obj('a', 'x')]);
    expect(perNamespace('things', undefined, () => one)).toBe(one);
  });
});
