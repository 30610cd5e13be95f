import pino from 'pino';
import { FakeClock } from '../runtime/fake-clock.js';
import { KubeApiError } from './client.js';
import { LeaderElector, type Lease, type LeaseApi } from './leader.js';

// An in-memory Lease store with resourceVersion checks, standing in for the API server.
class MemoryLeases implements LeaseApi {
  lease: Lease | undefined;
  private rv = 0;
  failing = false;
  async get() {
    if (this.failing) throw new KubeApiError('GET', '/lease', 503, 'ServiceUnavailable', 'down');
    return this.lease ? structuredClone(this.lease) : undefined;
  }
  async create(l: Lease) {
    if (this.lease) throw new KubeApiError('POST', '/lease', 409, 'AlreadyExists', 'exists');
    this.lease = { ...structuredClone(l), metadata: { ...l.metadata, resourceVersion: String(++this.rv) } };
    return structuredClone(this.lease);
  }
  async update(l: Lease) {
    if (this.failing) throw new KubeApiError('PUT', '/lease', 503, 'ServiceUnavailable', 'down');
    if (l.metadata.resourceVersion !== this.lease?.metadata.resourceVersion) {
      throw new KubeApiError('PUT', '/lease', 409, 'Conflict', 'stale');
    }
    this.lease = { ...structuredClone(l), metadata: { ...l.metadata, resourceVersion: String(++this.rv) } };
    return structuredClone(this.lease);
  }
}

const log = pino({ level: 'silent' });

function elector(api: LeaseApi, clock: FakeClock, identity: string): LeaderElector {
  return new LeaderElector({
    api,
    name: 'op',
    namespace: 'ns',
    identity,
    leaseDurationMs: 15_000,
    renewDeadlineMs: 10_000,
    retryPeriodMs: 2_000,
    clock,
    log,
  });
}

describe('LeaderElector', () => {
  it('lets only one of two candidates lead', async () => {
    const clock = new FakeClock();
    const api = new MemoryLeases();
    const a = elector(api, clock, 'a');
    const b = elector(api, clock, 'b');
    const started: string[] = [];
    a.run(
      () => started.push('a'),
      () => undefined,
    );
    b.run(
      () => started.push('b'),
      () => undefined,
    );
    await clock.advance(30_000);
    expect(started).toEqual(['a']);
    expect(api.lease?.spec?.holderIdentity).toBe('a');
  });

  it('lets a standby take over once the leader stops renewing for the lease duration', async () => {
    const clock = new FakeClock();
    const api = new MemoryLeases();
    await elector(api, clock, 'a').tryAcquireOrRenew();
    const b = elector(api, clock, 'b');
    let bLeads = false;
    b.run(
      () => (bLeads = true),
      () => undefined,
    );
    await clock.advance(14_000);
    expect(bLeads).toBe(false);
    await clock.advance(4_000);
    expect(bLeads).toBe(true);
    expect(api.lease?.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
  });

  it('hands over at once when the leader releases the lease on stop', async () => {
    const clock = new FakeClock();
    const api = new MemoryLeases();
    const a = elector(api, clock, 'a');
    a.run(
      () => undefined,
      () => undefined,
    );
    await clock.advance(1);
    const b = elector(api, clock, 'b');
    let bLeads = false;
    b.run(
      () => (bLeads = true),
      () => undefined,
    );
    await a.stop();
    await clock.advance(4_000);
    expect(bLeads).toBe(true);
  });

  it('steps down when it cannot renew within the renew deadline', async () => {
    const clock = new FakeClock();
    const api = new MemoryLeases();
    const a = elector(api, clock, 'a');
    let lost = false;
    a.run(
      () => undefined,
      () => (lost = true),
    );
    await clock.advance(1);
    expect(a.isLeader()).toBe(true);
    api.failing = true;
    await clock.advance(8_000);
    expect(lost).toBe(false);
    await clock.advance(4_000);
    expect(lost).toBe(true);
    expect(a.isLeader()).toBe(false);
  });
});
