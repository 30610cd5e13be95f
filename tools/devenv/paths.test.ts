import path from 'node:path';
import { cacheRoot, stateRoot, repoRoot } from './paths.js';

describe('devenv paths', () => {
  it('puts the cache under XDG_CACHE_HOME when it is set', () => {
    expect(cacheRoot({ XDG_CACHE_HOME: '/var/cache/x' })).toBe('/var/cache/x/kafka-outbox-relay');
  });

  it('lets OUTBOX_RELAY_CACHE override every other cache location', () => {
    expect(cacheRoot({ OUTBOX_RELAY_CACHE: '/opt/c', XDG_CACHE_HOME: '/x' })).toBe('/opt/c');
  });

  it('keeps runtime state inside the checkout by default', () => {
    expect(stateRoot({})).toBe(path.join(repoRoot, '.devenv'));
  });

  it('never places the cache inside the checkout by default', () => {
    expect(cacheRoot({ HOME: '/home/u' }).startsWith(repoRoot + path.sep)).toBe(false);
  });
});
