// Wiring: the Kubernetes client, leader election, informers, the work queue and its workers, and the
// HTTP endpoints. Nothing reconciles before this replica leads and the initial lists are in.
import type { Logger } from 'pino';
import { API_VERSION, PLURAL, type OutboxRelay } from './api/types.js';
import { FIELD_MANAGER, type OperatorConfig } from './config.js';
import { keyOf, OutboxRelayController, ownerKey } from './controller/outboxrelay-controller.js';
import {
  changeFilter,
  cronJobFingerprint,
  deploymentFingerprint,
  relayFingerprint,
} from './controller/fingerprints.js';
import type { SecretLike } from './controller/secrets-check.js';
import { startHttp, type HttpEndpoints } from './http.js';
import { KubeApiError, KubeClient, resourcePath, type KubeObject } from './kube/client.js';
import { loadConnection } from './kube/connection.js';
import { createEventRecorder } from './kube/events.js';
import { createInformer, type InformerEvent, type ResilientInformer } from './kube/informer.js';
import { LeaderElector, type Lease } from './kube/leader.js';
import { createMetrics } from './metrics.js';
import { MANAGED_BY } from './render/labels.js';
import { realClock, type Clock } from './runtime/clock.js';
import { WorkQueue } from './runtime/workqueue.js';

export interface RunningOperator {
  http: HttpEndpoints;
  /** Resolves when leadership is lost (the process should exit so a fresh replica campaigns). */
  lost: Promise<void>;
  stop(): Promise<void>;
}

export async function startOperator(
  config: OperatorConfig,
  log: Logger,
  clock: Clock = realClock,
): Promise<RunningOperator> {
  const { connection: kc, source } = await loadConnection(config.kubeconfig);
  log.info({ credentials: source }, 'connecting to the API server');
  const queue = new WorkQueue({
    clock,
    backoff: { baseMs: 500, maxMs: 5 * 60_000, jitter: 0.2 },
    ratePerSecond: 10,
    burst: 100,
  });
  const metrics = createMetrics(() => queue.len());
  const client = new KubeClient(kc, undefined, (verb, resource) =>
    metrics.apiRequests.inc({ verb, resource }),
  );
  const events = createEventRecorder({
    client,
    clock,
    log,
    identity: config.identity,
    fieldManager: FIELD_MANAGER,
  });
  const ns = config.namespace;
  const informers: Array<ResilientInformer<KubeObject>> = [];
  let synced = false;
  let leading = !config.leaderElection;

  // Only what can change a reconcile's outcome is work (controller/fingerprints.ts): our own status
  // writes come back as OutboxRelay updates, and kube-controller-manager's status updates of the children
  // mostly change nothing the OutboxRelay status reads.
  const relayIsWork = changeFilter(relayFingerprint);
  const relays = createInformer<OutboxRelay & KubeObject>({
    name: 'outboxrelays',
    kc,
    client,
    path: resourcePath(API_VERSION, PLURAL, ns),
    clock,
    log,
    onEvent: (event, r) => {
      if (relayIsWork(event, r)) queue.add(keyOf(r.metadata.namespace, r.metadata.name));
    },
  });
  const enqueueOwner =
    (isWork: ReturnType<typeof changeFilter>) => (event: InformerEvent, obj: KubeObject) => {
      if (!isWork(event, obj)) return;
      const key = ownerKey(obj);
      if (key) queue.add(key);
    };
  const selector = `app.kubernetes.io/managed-by=${MANAGED_BY}`;
  const deployments = createInformer<KubeObject>({
    name: 'deployments',
    kc,
    client,
    path: resourcePath('apps/v1', 'deployments', ns),
    labelSelector: selector,
    clock,
    log,
    onEvent: enqueueOwner(changeFilter(deploymentFingerprint)),
  });
  const cronjobs = createInformer<KubeObject>({
    name: 'cronjobs',
    kc,
    client,
    path: resourcePath('batch/v1', 'cronjobs', ns),
    labelSelector: selector,
    clock,
    log,
    onEvent: enqueueOwner(changeFilter(cronJobFingerprint)),
  });
  // The Secret handler needs the controller, which needs the Secret cache: tie the knot through a box.
  const box: { controller?: OutboxRelayController } = {};
  const secrets = createInformer<KubeObject>({
    name: 'secrets',
    kc,
    client,
    path: resourcePath('v1', 'secrets', ns),
    clock,
    log,
    onEvent: (_e, s) => {
      for (const key of box.controller?.keysForSecret(s as SecretLike) ?? []) queue.add(key);
    },
  });
  informers.push(relays, deployments, cronjobs, secrets);
  const controller = new OutboxRelayController({
    client,
    config,
    clock,
    log,
    events,
    metrics,
    relays: relays as never,
    deployments,
    cronjobs,
    secrets: secrets as never,
  });
  box.controller = controller;

  const http = await startHttp({
    healthPort: config.healthPort,
    metricsPort: config.metricsPort,
    registry: metrics.registry,
    health: {
      ready: () => !leading || synced,
      describe: () => ({ leader: leading, synced }),
    },
  });
  log.info(
    { healthPort: http.healthPort, metricsPort: http.metricsPort, namespace: ns ?? '(all)' },
    'listening',
  );

  const workers: Array<Promise<void>> = [];
  const work = async (): Promise<void> => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      const end = metrics.reconcileDuration.startTimer();
      try {
        await controller.reconcile(key);
        queue.forget(key);
        metrics.reconciles.inc({ result: 'success' });
      } catch (err) {
        metrics.reconciles.inc({ result: 'error' });
        metrics.reconcileErrors.inc();
        if (err instanceof KubeApiError) {
          const delayMs = queue.addRateLimited(key);
          log.warn({ err, outboxrelay: key, delayMs }, 'reconcile failed; retrying with backoff');
        } else {
          // A programming error: retrying cannot help; the next change of the resource tries again.
          log.error({ err, outboxrelay: key }, 'reconcile failed');
        }
      } finally {
        end();
        queue.done(key);
      }
    }
  };

  const startControllers = async (): Promise<void> => {
    await Promise.all(informers.map((i) => i.start()));
    synced = true;
    log.info('caches synced; reconciling');
    for (let i = 0; i < config.workers; i++) workers.push(work());
  };

  let resolveLost!: () => void;
  const lost = new Promise<void>((r) => (resolveLost = r));
  let elector: LeaderElector | undefined;
  if (config.leaderElection) {
    const leasePath = resourcePath(
      'coordination.k8s.io/v1',
      'leases',
      config.leaseNamespace,
      config.leaseName,
    );
    elector = new LeaderElector({
      api: {
        get: () => client.get<Lease>(leasePath),
        create: (l) =>
          client.create<Lease>(
            resourcePath('coordination.k8s.io/v1', 'leases', config.leaseNamespace),
            l,
            FIELD_MANAGER,
          ),
        update: (l) => client.replace<Lease>(leasePath, l, FIELD_MANAGER),
      },
      name: config.leaseName,
      namespace: config.leaseNamespace,
      identity: config.identity,
      leaseDurationMs: config.leaseDurationSeconds * 1000,
      renewDeadlineMs: Math.round(config.leaseDurationSeconds * 1000 * (2 / 3)),
      retryPeriodMs: Math.max(1000, Math.round((config.leaseDurationSeconds * 1000) / 7.5)),
      clock,
      log: log.child({ component: 'leader-election' }),
    });
    log.info(
      { lease: `${config.leaseNamespace}/${config.leaseName}`, identity: config.identity },
      'campaigning',
    );
    elector.run(
      () => {
        leading = true;
        metrics.leader.set(1);
        void startControllers();
      },
      () => {
        leading = false;
        metrics.leader.set(0);
        resolveLost();
      },
    );
  } else {
    metrics.leader.set(1);
    await startControllers();
  }

  return {
    http,
    lost,
    async stop() {
      queue.shutDown();
      await Promise.all(informers.map((i) => i.stop()));
      await Promise.all(workers);
      await elector?.stop();
      await http.close();
    },
  };
}
