// Wiring: the Kubernetes client, the informer caches, the controller, the work queue and its workers,
// the HTTP endpoints and leader election. Nothing reconciles before this replica leads and the initial
// lists are in; stop takes the same steps back in reverse.
import type { Logger } from 'pino';
import { canListSecrets } from './access-review.js';
import { ObservedKubeClient, registerCacheMetrics } from './cache-metrics.js';
import { createCaches, type OperatorCaches } from './caches.js';
import { FIELD_MANAGER, REPORTING_CONTROLLER, type OperatorConfig } from './config.js';
import { relayEvents } from './controller/events.js';
import { OutboxRelayController } from './controller/outboxrelay-controller.js';
import { runWorker } from './controller/reconcile-worker.js';
import { startHttp, type HttpEndpoints } from './http.js';
import { KubeApiError, type KubeClient, type KubeConnection } from './kube/client.js';
import { loadConnection } from './kube/connection.js';
import { createEventRecorder } from './kube/events.js';
import { lead } from './leadership.js';
import { createMetrics, type OperatorMetrics } from './metrics.js';
import { realClock, type Clock } from './runtime/clock.js';
import { WorkQueue } from './runtime/workqueue.js';

export interface RunningOperator {
  http: HttpEndpoints;
  /** Resolves when leadership is lost (the process should exit so a fresh replica campaigns). */
  lost: Promise<void>;
  stop(): Promise<void>;
}

// Per-key backoff of failures a retry can help, up to 5 minutes; retries together at most 10 per second.
const QUEUE = { backoff: { baseMs: 500, maxMs: 5 * 60_000, jitter: 0.2 }, ratePerSecond: 10, burst: 100 };

export async function startOperator(
  config: OperatorConfig,
  log: Logger,
  clock: Clock = realClock,
): Promise<RunningOperator> {
  const { connection: kc, source } = await loadConnection(config.kubeconfig);
  log.info({ credentials: source }, 'connecting to the API server');
  const queue = new WorkQueue({ clock, ...QUEUE });
  const metrics = createMetrics(() => queue.len());
  const box: { caches?: OperatorCaches } = {};
  const cacheMetrics = registerCacheMetrics(metrics.registry, {
    cachedObjects: () => cachedObjects(box.caches),
    secretWatches: () => box.caches?.secrets.counts() ?? { byName: 0, byNamespace: 0 },
  });
  const client = new ObservedKubeClient(
    kc,
    (verb, resource) => metrics.apiRequests.inc({ verb, resource }),
    (err) => cacheMetrics.noteFailure(err),
  );
  // A failed LIST went through the client and is counted there; a watch's failure only here.
  const onWatchFailure = (err: unknown) => {
    if (err instanceof KubeApiError && err.method === 'WATCH') cacheMetrics.noteFailure(err);
  };
  const wiring = { config, log, clock, kc, client, metrics, queue, onWatchFailure };
  const { caches, controller } = createController(wiring);
  box.caches = caches;

  const state = { leading: !config.leaderElection, synced: false };
  const http = await serveHttp(config, metrics, state, log);
  const workers: Array<Promise<void>> = [];
  const worker = { queue, metrics, log, reconcile: (key: string) => controller.reconcile(key) };
  const startControllers = async (): Promise<void> => {
    await caches.start();
    state.synced = true;
    log.info('caches synced; reconciling');
    for (let i = 0; i < config.workers; i++) workers.push(runWorker(worker));
  };
  const leadership = await lead({
    ...{ config, client, clock, log, metrics },
    start: startControllers,
    onLeading: (leading) => (state.leading = leading),
  });

  return {
    http,
    lost: leadership.lost,
    async stop() {
      queue.shutDown();
      await caches.stop();
      await Promise.all(workers);
      await leadership.stop();
      await http.close();
    },
  };
}

interface ControllerWiring {
  config: OperatorConfig;
  log: Logger;
  clock: Clock;
  kc: KubeConnection;
  client: KubeClient;
  metrics: OperatorMetrics;
  queue: WorkQueue;
  onWatchFailure: (err: unknown) => void;
}

/** Objects held per cached resource, for the metrics. */
function cachedObjects(caches: OperatorCaches | undefined): Array<{ resource: string; count: number }> {
  if (!caches) return [];
  return [
    ...caches.all.map((i) => ({ resource: i.name, count: i.list().length })),
    { resource: 'secrets', count: caches.secrets.counts().objects },
  ];
}

/** The informer caches, whose events fill the queue, and the controller reading them. */
function createController(w: ControllerWiring): {
  caches: OperatorCaches;
  controller: OutboxRelayController;
} {
  const { config, log, clock, client, metrics } = w;
  const recorder = createEventRecorder({
    client,
    clock,
    log,
    identity: config.identity,
    reportingController: REPORTING_CONTROLLER,
    fieldManager: FIELD_MANAGER,
  });
  const caches = createCaches({
    ...{ kc: w.kc, client, clock, log },
    namespaces: config.namespaces,
    enqueue: (key) => w.queue.add(key),
    onWatchFailure: w.onWatchFailure,
    canListSecrets: (namespace) => canListSecrets(client, namespace),
  });
  const { relays, deployments, cronjobs, secrets } = caches;
  const { serviceAccounts, roles, roleBindings } = caches;
  const controller = new OutboxRelayController({
    ...{ client, config, clock, log, metrics },
    ...{ relays, deployments, cronjobs, secrets },
    ...{ serviceAccounts, roles, roleBindings },
    events: relayEvents(recorder),
  });
  return { caches, controller };
}

/** /healthz, /readyz (ready once synced, or while a standby) and /metrics. */
async function serveHttp(
  config: OperatorConfig,
  metrics: OperatorMetrics,
  state: { leading: boolean; synced: boolean },
  log: Logger,
): Promise<HttpEndpoints> {
  const http = await startHttp({
    healthPort: config.healthPort,
    metricsPort: config.metricsPort,
    registry: metrics.registry,
    health: {
      ready: () => !state.leading || state.synced,
      describe: () => ({ leader: state.leading, synced: state.synced }),
    },
  });
  log.info(
    { healthPort: http.healthPort, metricsPort: http.metricsPort, namespaces: config.namespaces ?? '(all)' },
    'listening',
  );
  return http;
}
