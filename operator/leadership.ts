// Who reconciles: with leader election, only the holder of the Lease (coordination.k8s.io/v1), from the
// moment it leads; without, this replica at once.
import type { Logger } from 'pino';
import { FIELD_MANAGER, type OperatorConfig } from './config.js';
import { resourcePath, type KubeClient } from './kube/client.js';
import { LeaderElector, type Lease } from './kube/leader.js';
import type { OperatorMetrics } from './metrics.js';
import type { Clock } from './runtime/clock.js';

export interface LeadershipDeps {
  config: OperatorConfig;
  client: KubeClient;
  clock: Clock;
  log: Logger;
  metrics: Pick<OperatorMetrics, 'leader'>;
  /** Starts the controllers; called once this replica leads. */
  start: () => Promise<void>;
  /** Told when this replica starts and stops leading. */
  onLeading: (leading: boolean) => void;
}

export interface Leadership {
  /** Resolves when leadership is lost. */
  lost: Promise<void>;
  stop(): Promise<void>;
}

/** Campaigns for the Lease, or, without leader election, leads and starts at once (resolving once started). */
export async function lead(d: LeadershipDeps): Promise<Leadership> {
  let resolveLost!: () => void;
  const lost = new Promise<void>((r) => (resolveLost = r));
  if (!d.config.leaderElection) {
    d.metrics.leader.set(1);
    await d.start();
    return { lost, stop: async () => undefined };
  }
  const elector = leaderElector(d);
  d.log.info(
    { lease: `${d.config.leaseNamespace}/${d.config.leaseName}`, identity: d.config.identity },
    'campaigning',
  );
  elector.run(
    () => {
      d.onLeading(true);
      d.metrics.leader.set(1);
      void d.start();
    },
    () => {
      d.onLeading(false);
      d.metrics.leader.set(0);
      resolveLost();
    },
  );
  return { lost, stop: () => elector.stop() };
}

function leaderElector(d: LeadershipDeps): LeaderElector {
  const { config, client } = d;
  const leases = resourcePath('coordination.k8s.io/v1', 'leases', config.leaseNamespace);
  const leasePath = `${leases}/${config.leaseName}`;
  const leaseDurationMs = config.leaseDurationSeconds * 1000;
  return new LeaderElector({
    api: {
      get: () => client.get<Lease>(leasePath),
      create: (l) => client.create<Lease>(leases, l, FIELD_MANAGER),
      update: (l) => client.replace<Lease>(leasePath, l, FIELD_MANAGER),
    },
    name: config.leaseName,
    namespace: config.leaseNamespace,
    identity: config.identity,
    leaseDurationMs,
    renewDeadlineMs: Math.round(leaseDurationMs * (2 / 3)),
    retryPeriodMs: Math.max(1000, Math.round(leaseDurationMs / 7.5)),
    clock: d.clock,
    log: d.log.child({ component: 'leader-election' }),
  });
}
