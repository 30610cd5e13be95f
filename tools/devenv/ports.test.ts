import { ports } from './ports.js';

describe('devenv ports', () => {
  it('derives every port from the default base', () => {
    expect(ports({})).toMatchObject({ postgres: 47432, mariadb: 47306, kafka: 47092, apiserver: 47443 });
  });

  it('gives each server a distinct port', () => {
    const all = Object.values(ports({ OUTBOX_RELAY_DEVENV_PORT_BASE: '30000' }));
    expect(new Set(all).size).toBe(all.length);
  });

  it('rejects a base that is not a usable port number, naming the variable', () => {
    expect(() => ports({ OUTBOX_RELAY_DEVENV_PORT_BASE: 'abc' })).toThrow(/OUTBOX_RELAY_DEVENV_PORT_BASE/);
  });
});
