// `run`: the long-running relay. HTTP first (so /healthz answers during migrations), then migrations
// (unless SKIP_MIGRATIONS), then one relay per database, all sharing one Kafka producer. stop() stops
// claiming, lets each in-flight batch finish and be resolved, then closes the producer, pools and HTTP.
import type { OutboxStore } from '../db/store.js';
import type { RelayConfig } from '../config/config.js';
import { createDatabaseRelay, type DatabaseRelay } from '../engine/database-relay.js';
import type { HeldTopicStatus } from '../engine/held-topics.js';
import { livenessBoundMs, livenessReport } from '../engine/liveness.js';
import { createBatchPublisher } from '../engine/publish-batch.js';
import { createHttpServer } from '../http/server.js';
import { createKafka } from '../kafka/client.js';
import { partitionerNamed } from '../kafka/partitioners.js';
import { createPublisher, PRODUCE_TIMEOUT_MS, type Publisher } from '../kafka/publisher.js';
import { guardKafkaRejections } from '../kafka/rejection-guard.js';
import type { Logger } from '../logger.js';
import { createMetrics } from '../metrics.js';
import { createPublishTimes } from '../report/publish-times.js';
import { createReporting } from '../report/reporting.js';
import { retryTransient, RetryAborted } from '../retry.js';
import { closeStores, openStores, type StoreFactory } from './stores.js';

export interface RunningRelay {
  httpPort: number;
  /** Settles when the relay has stopped; rejects on a programming error (after shutting down). */
  done: Promise<void>;
  stop(): Promise<void>;
  /** Gives up on in-flight work (used when the shutdown deadline passes). */
  abort(): Promise<void>;
  /** The topics whose rows are held, per database this relay leads (for a status report). */
  heldTopics(): (HeldTopicStatus & { database: string })[];
}

export interface RunDeps {
  config: RelayConfig;
  logger: Logger;
  storeFactory?: StoreFactory;
}

export async function startRelay(deps: RunDeps): Promise<RunningRelay> {
  const { config, logger } = deps;
  const log = logger.child({ component: 'run' });
  const stores: OutboxStore[] = await openStores(config, logger, deps.storeFactory);
  const metrics = createMetrics({ stores: () => stores, logger });
  let publisher: Publisher | undefined;
  let ready = false;
  // Ready only once Kafka has taken the relay's login as well (the check in main): a pod whose certificate
  // or password the brokers refuse must never count as available, or a rollout to a bad Secret retires the
  // pod that still works in the second before the new one stops with its ConfigError.
  let kafkaChecked = false;
  let stopping = false;
  const relays: DatabaseRelay[] = [];
  let unguard: (() => void) | undefined;
  let wakeStop!: () => void;
  const stopRequested = new Promise<void>((resolve) => (wakeStop = resolve));
  // The report on the OutboxRelay's status (only with OUTBOX_RELAY_NAME: report/reporting.ts).
  const published = createPublishTimes();
  const reporting = createReporting(
    config,
    {
      relays: () => relays,
      stores: () => stores,
      kafkaReachable: () => publisher?.reachable() ?? Promise.resolve(),
      lastPublishedAt: published.lastPublishedAt,
    },
    logger,
    metrics.registry,
  );

  const livenessBound = livenessBoundMs({
    pollMs: config.pollFrequencyMs,
    sendTimeoutMs: PRODUCE_TIMEOUT_MS,
  });
  const http = createHttpServer({
    port: config.httpPort,
    stores: () => stores,
    kafkaPing: () => publisher?.ping() ?? Promise.resolve(),
    kafkaReachable: () => publisher?.reachable() ?? Promise.resolve(),
    registry: metrics.registry,
    ready: () => ready && (kafkaChecked || config.pollingDisabled),
    live: () => livenessReport(relays, livenessBound),
    logger,
  });
  const httpPort = await http.listen();
  log.info({ port: httpPort }, 'HTTP listening');

  const sleepUnlessStopping = async (ms: number) => {
    await Promise.race([new Promise((r) => setTimeout(r, ms).unref()), stopRequested]);
    return !stopping;
  };
  const untilUp = <T>(what: string, fn: () => Promise<T>) =>
    retryTransient(fn, {
      active: () => !stopping,
      sleep: sleepUnlessStopping,
      onRetry: (error) => log.warn({ err: error }, `${what} failed; retrying`),
    });

  async function main(): Promise<void> {
    for (const store of stores) {
      if (config.skipMigrations) await untilUp('database ping', () => store.ping());
      else
        await untilUp('migrations', () => store.migrate()).then((r) =>
          log.info({ database: store.database, ...r }, 'migrations done'),
        );
    }
    ready = true;
    log.info('ready');
    if (config.pollingDisabled) {
      log.info('POLLING_DISABLED: serving HTTP only');
      await stopRequested;
      return;
    }
    unguard = guardKafkaRejections(logger.child({ component: 'kafkajs' }));
    const kafka = createPublisher({ kafka: createKafka(config.kafka, logger), config: config.kafka, logger });
    publisher = kafka;
    const publish = createBatchPublisher({
      publisher: kafka,
      partitioner: partitionerNamed(config.kafka.partitioner),
      logger: logger.child({ component: 'batch' }),
    });
    for (const store of stores) {
      relays.push(
        createDatabaseRelay({
          store,
          publish: published.track(store.database, publish),
          metrics,
          logger,
          batchSize: config.batchSize,
          pollMs: config.pollFrequencyMs,
          claimTimeoutMs: config.claimTimeoutMs,
          maxAttempts: config.kafka.publishAttempts,
        }),
      );
    }
    if (stopping) return;
    reporting?.start();
    // Kafka is reached once at start, beside the relays, so that a configuration mistake (a certificate
    // not trusted, a SASL login refused: a ConfigError) stops the relay even while the outbox is empty.
    const checked = untilUp('Kafka connection', () => kafka.check()).then(() => {
      kafkaChecked = true;
      log.info({ brokers: config.kafka.brokers }, 'Kafka reached');
    });
    await Promise.all([checked, ...relays.map((r) => r.run())]);
  }

  async function shutdown(): Promise<void> {
    await Promise.all(relays.map((r) => r.stop()));
    await reporting?.stop();
    await publisher?.close();
    unguard?.();
    await closeStores(stores, logger);
    await http.close();
    log.info('stopped');
  }

  const done = main().then(
    async () => {
      stopping = true;
      await shutdown();
    },
    async (error: unknown) => {
      stopping = true;
      wakeStop();
      await reporting?.final(error);
      await shutdown();
      if (!(error instanceof RetryAborted)) throw error;
    },
  );

  return {
    httpPort,
    done,
    async stop() {
      if (!stopping) log.info('stopping: finishing the batch in flight');
      stopping = true;
      wakeStop();
      await Promise.all(relays.map((r) => r.stop()));
      await done.catch(() => undefined);
    },
    async abort() {
      stopping = true;
      wakeStop();
      await Promise.all(relays.map((r) => r.abort()));
    },
    heldTopics: () => relays.flatMap((r) => r.heldTopics().map((t) => ({ database: r.database, ...t }))),
  };
}
