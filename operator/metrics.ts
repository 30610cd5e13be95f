// Prometheus metrics of the operator, in their own registry (importing this module registers nothing).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface OperatorMetrics {
  registry: Registry;
  reconciles: Counter<'result'>;
  reconcileErrors: Counter;
  reconcileDuration: Histogram;
  statusWrites: Counter;
  childChanges: Counter<'kind' | 'action'>;
  leader: Gauge;
  apiRequests: Counter<'verb' | 'resource'>;
}

export function createMetrics(queueDepth: () => number): OperatorMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'outbox_operator_' });
  const m: OperatorMetrics = {
    registry,
    reconciles: new Counter({
      name: 'outbox_operator_reconciles_total',
      help: 'Reconciles of OutboxRelays, by result (success, error).',
      labelNames: ['result'],
      registers: [registry],
    }),
    reconcileErrors: new Counter({
      name: 'outbox_operator_reconcile_errors_total',
      help: 'Reconciles that ended in an error: retried with backoff if a retry can help, else left until the resource changes.',
      registers: [registry],
    }),
    reconcileDuration: new Histogram({
      name: 'outbox_operator_reconcile_duration_seconds',
      help: 'How long one reconcile took.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    statusWrites: new Counter({
      name: 'outbox_operator_status_writes_total',
      help: 'Writes of OutboxRelay status (only made when the status changed).',
      registers: [registry],
    }),
    childChanges: new Counter({
      name: 'outbox_operator_child_changes_total',
      help: 'Children created, updated or deleted, by kind and action.',
      labelNames: ['kind', 'action'],
      registers: [registry],
    }),
    apiRequests: new Counter({
      name: 'outbox_operator_api_requests_total',
      help: 'Requests to the Kubernetes API (watches excepted), by verb (APPLY for server-side apply) and resource.',
      labelNames: ['verb', 'resource'],
      registers: [registry],
    }),
    leader: new Gauge({
      name: 'outbox_operator_leader',
      help: '1 while this replica holds the leader lease.',
      registers: [registry],
    }),
  };
  new Gauge({
    name: 'outbox_operator_workqueue_depth',
    help: 'Keys waiting in the work queue.',
    registers: [registry],
    collect() {
      this.set(queueDepth());
    },
  });
  return m;
}
