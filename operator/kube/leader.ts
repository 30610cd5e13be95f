// Leader election on a coordination.k8s.io Lease, as client-go does it: the holder renews the lease every
// retry period; a candidate takes it over once it has seen no renewal for the lease duration, measured on
// its own clock (so clock skew between replicas does not matter); updates carry the resourceVersion, so
// two candidates cannot both win. A leader that cannot renew within the renew deadline steps down.
import type { Logger } from 'pino';
import type { Clock } from '../runtime/clock.js';
import { sleep } from '../runtime/clock.js';
import { KubeApiError, microTime } from './client.js';

export interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/** What the elector needs from the API: get (undefined if absent), create, update (optimistic). */
export interface LeaseApi {
  get(): Promise<Lease | undefined>;
  create(lease: Lease): Promise<Lease>;
  update(lease: Lease): Promise<Lease>;
}

export interface LeaderElectorOptions {
  api: LeaseApi;
  name: string;
  namespace: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  clock: Clock;
  log: Logger;
}

export class LeaderElector {
  private leading = false;
  private stopped = false;
  private observed: { record: string; at: number } | undefined;
  private current: Lease | undefined;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly o: LeaderElectorOptions) {}

  isLeader(): boolean {
    return this.leading;
  }

  /** Campaigns until leading, then renews; calls onLost once if leadership is lost (not on stop). */
  run(onStarted: () => void, onLost: () => void): void {
    this.loop = (async () => {
      while (!this.stopped && !this.leading) {
        if (await this.tryAcquireOrRenew()) {
          this.leading = true;
          this.o.log.info({ lease: this.o.name }, 'became the leader');
          onStarted();
          break;
        }
        await this.pause(this.o.retryPeriodMs);
      }
      let lastRenew = this.o.clock.now();
      while (!this.stopped && this.leading) {
        await this.pause(this.o.retryPeriodMs);
        if (this.stopped) break;
        if (await this.tryAcquireOrRenew()) {
          lastRenew = this.o.clock.now();
        } else if (this.o.clock.now() - lastRenew >= this.o.renewDeadlineMs) {
          this.leading = false;
          this.o.log.error({ lease: this.o.name }, 'lost the lease');
          onLost();
        }
      }
    })();
  }

  /** Stops campaigning; a leader releases the lease so a standby takes over without waiting it out. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    if (this.leading && this.current) {
      this.leading = false;
      const released: Lease = {
        ...this.current,
        spec: {
          ...this.current.spec,
          holderIdentity: '',
          leaseDurationSeconds: 1,
          renewTime: microTime(this.o.clock.now()),
        },
      };
      await this.o.api
        .update(released)
        .catch((err: unknown) => this.o.log.warn({ err }, 'could not release the lease'));
    }
  }

  /** One attempt; true when we hold the lease afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.o.clock.now();
    const spec = {
      holderIdentity: this.o.identity,
      leaseDurationSeconds: Math.ceil(this.o.leaseDurationMs / 1000),
      renewTime: microTime(now),
    };
    try {
      const existing = await this.o.api.get();
      if (!existing) {
        this.current = await this.o.api.create({
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: this.o.name, namespace: this.o.namespace },
          spec: { ...spec, acquireTime: microTime(now), leaseTransitions: 0 },
        });
        return true;
      }
      const holder = existing.spec?.holderIdentity ?? '';
      const record = `${holder}|${existing.spec?.renewTime ?? ''}`;
      if (this.observed?.record !== record) this.observed = { record, at: now };
      const durationMs = (existing.spec?.leaseDurationSeconds ?? 0) * 1000;
      const heldByOther = holder !== '' && holder !== this.o.identity;
      if (heldByOther && this.observed.at + durationMs > now) return false;
      const takeover = holder !== this.o.identity;
      this.current = await this.o.api.update({
        ...existing,
        spec: {
          ...existing.spec,
          ...spec,
          ...(takeover
            ? { acquireTime: microTime(now), leaseTransitions: (existing.spec?.leaseTransitions ?? 0) + 1 }
            : {}),
        },
      });
      this.observed = { record: `${this.o.identity}|${spec.renewTime}`, at: now };
      return true;
    } catch (err) {
      // A conflict means another candidate wrote first: not an error, just not us this round.
      if (!(err instanceof KubeApiError && err.statusCode === 409)) {
        this.o.log.warn({ err }, 'could not acquire or renew the lease');
      }
      return false;
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      void sleep(this.o.clock, ms).then(resolve);
    });
  }
}
