import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig } from './config.js';
import { OPERATOR_VERSION } from './version.js';

describe('loadConfig', () => {
  it('uses the defaults when nothing is given', () => {
    const c = loadConfig([], {}, 'host');
    expect(c).toMatchObject({
      leaderElection: true,
      leaseName: 'outbox-relay-operator',
      leaseNamespace: 'default',
      leaseDurationSeconds: 15,
      metricsPort: 8080,
      healthPort: 8081,
      relayImage: `kafka-outbox-relay/relay:${OPERATOR_VERSION}`,
      logLevel: 'info',
    });
    expect(c.namespaces).toBeUndefined();
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('prefers flags over the environment', () => {
    const c = loadConfig(['--namespace', 'shop', '--relay-image=r:1', '--leader-elect', 'false'], {
      WATCH_NAMESPACE: 'other',
      RELAY_IMAGE: 'r:2',
    });
    expect(c).toMatchObject({
      namespaces: ['shop'],
      relayImage: 'r:1',
      leaderElection: false,
      leaseNamespace: 'shop',
    });
  });

  it('takes a comma-separated list of namespaces, frozen, the lease in the first by default', () => {
    const c = loadConfig([], { WATCH_NAMESPACE: 'shop, billing,ops' });
    expect(c.namespaces).toEqual(['shop', 'billing', 'ops']);
    expect(Object.isFrozen(c.namespaces)).toBe(true);
    expect(c.leaseNamespace).toBe('shop');
  });

  it.each([
    ['shop,,ops', '--namespace (WATCH_NAMESPACE) "": must match pattern'],
    ['shop,Ops', '--namespace (WATCH_NAMESPACE) "Ops": must match pattern'],
    ['shop,shop', '--namespace (WATCH_NAMESPACE): must NOT have duplicate items'],
  ])('rejects the namespace list %j naming the flag and the item', (list, message) => {
    expect(() => loadConfig(['--namespace', list], {})).toThrow(message);
  });

  it('takes the lease namespace from POD_NAMESPACE when it is not given', () => {
    expect(loadConfig([], { POD_NAMESPACE: 'ops' }).leaseNamespace).toBe('ops');
  });

  it.each([
    [['--metrics-port', 'http'], '--metrics-port'],
    [['--leader-elect', 'maybe'], '--leader-elect'],
    [['--namespace', 'Not_A_Namespace'], '--namespace'],
    [['--log-level', 'loud'], '--log-level'],
    [['--bogus', '1'], 'unknown flag --bogus'],
  ])('rejects %j with a message naming %s', (argv, named) => {
    expect(() => loadConfig(argv, {})).toThrow(ConfigError);
    expect(() => loadConfig(argv, {})).toThrow(named);
  });

  it('keeps the version equal to package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(OPERATOR_VERSION).toBe(pkg.version);
  });
});
