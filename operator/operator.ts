// Wiring: the Kubernetes client, the informer caches, the controller, the work queue and its workers,
// the HTTP endpoints and leader election. Nothing reconciles before this replica leads and the initial
// lists are in; stop takes the same steps back in reverse.
import type { Logger } from 'pino';
import { createCaches, type OperatorCaches } from './caches.js';
import { FIELD_MANAGER, REPORTING_CONTROLLER, type OperatorConfig } from './config.js';
import { relayEvents } from './controller/events.js';
import { OutboxRelayController } from './controller/outboxrelay-controller.js';
import { runWorker } from './controller/reconcile-worker.js';
import { startHttp, type HttpEndpoints } from './http.js';
import { KubeClient, type KubeConnection } from './kube/client.js';
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
  const client = new KubeClient(kc, undefined, (verb, resource) =>
    metrics.apiRequests.inc({ verb, resource }),
  );
  const { caches, controller } = createController({ config, log, clock, kc, client, metrics, queue });

  const state = { leading: !config.leaderElection, synced: false };
  const http = await serveHttp(config, metrics, state, log);
  const workers: Array<Promise<void>> = [];
  const worker = { queue, metrics, log, reconcile: (key: string) => controller.reconcile(key) };
  const startControllers = async (): Promise<void> => {
    await Promise.all(caches.all.map((i) => i.start()));
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
      await Promise.all(caches.all.map((i) => i.stop()));
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
  // The Secret handler needs the controller, which needs the Secret cache: tie the knot through a box.
  const box: { controller?: OutboxRelayController } = {};
  const caches = createCaches({
    kc: w.kc,
    client,
    clock,
    log,
    namespace: config.namespace,
    enqueue: (key) => w.queue.add(key),
    keysForSecret: (secret) => box.controller?.keysForSecret(secret) ?? [],
  });
  const { relays, deployments, cronjobs, secrets } = caches;
  const controller = new OutboxRelayController({
    ...{ client, config, clock, log, metrics },
    ...{ relays, deployments, cronjobs, secrets },
    events: relayEvents(recorder),
  });
  box.controller = controller;
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
    { healthPort: http.healthPort, metricsPort: http.metricsPort, namespace: config.namespace ?? '(all)' },
    'listening',
  );
  return http;
}
