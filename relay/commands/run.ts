// `run`: the long-running relay, as a list of steps: the stores, HTTP (so /healthz answers during
// migrations), migrations (unless SKIP_MIGRATIONS), one Kafka producer, one relay per database sharing it,
// the status report. stop() stops claiming, lets each in-flight batch finish and be resolved, then takes
// the steps back in reverse (lifecycle.ts): the report, the producer, HTTP, the pools.
import type { OutboxStore } from '../db/store.js';
import type { RelayConfig } from '../config/config.js';
import type { DatabaseRelay } from '../engine/database-relay.js';
import type { HeldTopicStatus } from '../engine/held-topics.js';
import { livenessBoundMs, livenessReport } from '../engine/liveness.js';
import { createHttpServer } from '../http/server.js';
import { createKafka } from '../kafka/client.js';
import { createPublisher, PRODUCE_TIMEOUT_MS, type Publisher } from '../kafka/publisher.js';
import { guardKafkaRejections } from '../kafka/rejection-guard.js';
import type { Logger } from '../logger.js';
import { createMetrics, type RelayMetrics } from '../metrics.js';
import { createPublishTimes } from '../report/publish-times.js';
import { createReporting, type Reporting } from '../report/reporting.js';
import { retryTransient, RetryAborted, sleep } from '../retry.js';
import { graceMs } from '../engine/shares/timing.js';
import type { Kafka } from 'kafkajs';
import { Lifecycle } from './lifecycle.js';
import { createRelay, hasLiveMember, memberName } from './relays.js';
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
  const stores = await openStores(deps.config, deps.logger, deps.storeFactory);
  return new RelayRun(deps, stores).start();
}

/** The steps of `run`, each a method; each adds its way back to the one lifecycle as it starts. */
class RelayRun {
  private readonly log: Logger;
  private readonly lifecycle = new Lifecycle();
  private readonly metrics: RelayMetrics;
  private readonly relays: DatabaseRelay[] = [];
  // The report on the OutboxRelay's status (only with OUTBOX_RELAY_NAME: report/reporting.ts).
  private readonly published = createPublishTimes();
  private readonly reporting: Reporting | undefined;
  private publisher: Publisher | undefined;
  private ready = false;
  // Ready only once Kafka has taken the relay's login as well (the check in publish): a pod whose
  // certificate or password the brokers refuse must never count as available, or a rollout to a bad Secret
  // retires the pod that still works in the second before the new one stops with its ConfigError.
  private kafkaChecked = false;
  private stopping = false;
  /** Set by stopRequested's initializer, so declared before it. */
  private wakeStop!: () => void;
  private readonly stopRequested = new Promise<void>((resolve) => (this.wakeStop = resolve));

  constructor(
    private readonly deps: RunDeps,
    private readonly stores: OutboxStore[],
  ) {
    const { config, logger } = deps;
    this.log = logger.child({ component: 'run' });
    this.metrics = createMetrics({ stores: () => stores, logger });
    this.reporting = createReporting(
      config,
      {
        relays: () => this.relays,
        stores: () => stores,
        kafkaReachable: () => this.publisher?.reachable() ?? Promise.resolve(),
        lastPublishedAt: this.published.lastPublishedAt,
        isLive: (database, pod) =>
          hasLiveMember(this.relays.find((r) => r.database === database)?.members(), pod),
      },
      logger,
      this.metrics.registry,
    );
    this.lifecycle.add(() => closeStores(stores, logger));
  }

  async start(): Promise<RunningRelay> {
    // A port it cannot listen on ends the run before it began: what was opened (the stores) is closed.
    const httpPort = await this.serveHttp().catch(async (error: unknown) => {
      await this.lifecycle.stop();
      throw error;
    });
    const done = this.main().then(
      () => this.shutdown(),
      (error: unknown) => this.fail(error),
    );
    return {
      httpPort,
      done,
      stop: async () => {
        if (!this.stopping) this.log.info('stopping: finishing the batch in flight');
        this.requestStop();
        await Promise.all(this.relays.map((r) => r.stop()));
        await done.catch(() => undefined);
      },
      abort: async () => {
        this.requestStop();
        await Promise.all(this.relays.map((r) => r.abort()));
      },
      heldTopics: () =>
        this.relays.flatMap((r) => r.heldTopics().map((t) => ({ database: r.database, ...t }))),
    };
  }

  /** HTTP first, so that /healthz answers during migrations. */
  private async serveHttp(): Promise<number> {
    const { config, logger } = this.deps;
    const livenessBound = livenessBoundMs({
      pollMs: config.pollFrequencyMs,
      sendTimeoutMs: PRODUCE_TIMEOUT_MS,
    });
    const http = createHttpServer({
      port: config.httpPort,
      stores: () => this.stores,
      kafkaPing: () => this.publisher?.ping() ?? Promise.resolve(),
      kafkaReachable: () => this.publisher?.reachable() ?? Promise.resolve(),
      registry: this.metrics.registry,
      ready: () => this.ready && (this.kafkaChecked || config.pollingDisabled),
      live: () => livenessReport(this.relays, livenessBound),
      logger,
    });
    const httpPort = await http.listen();
    this.lifecycle.add(() => http.close());
    this.log.info({ port: httpPort }, 'HTTP listening');
    return httpPort;
  }

  private async main(): Promise<void> {
    await this.migrate();
    this.ready = true;
    this.log.info('ready');
    if (this.deps.config.pollingDisabled) {
      this.log.info('POLLING_DISABLED: serving HTTP only');
      await this.stopRequested;
      return;
    }
    const { publisher, kafka, timeoutMs } = this.connectKafka();
    await this.createRelays(publisher, kafka, timeoutMs);
    if (this.stopping) return;
    this.startReporting();
    await this.publish(publisher);
  }

  /** The migrations of each database (or only a ping, with SKIP_MIGRATIONS), waiting out outages. */
  private async migrate(): Promise<void> {
    for (const store of this.stores) {
      const counted = this.countRetry('migrate', [store.database]);
      if (this.deps.config.skipMigrations) await this.untilUp('database ping', () => store.ping(), counted);
      else {
        const result = await this.untilUp('migrations', () => store.migrate(), counted);
        this.log.info({ database: store.database, ...result }, 'migrations done');
      }
    }
  }

  /** One Kafka producer, shared by every database's relay (each has its own with transactions). */
  private connectKafka(): { publisher: Publisher; kafka: Kafka; timeoutMs: number } {
    const { config, logger } = this.deps;
    const unguard = guardKafkaRejections(logger.child({ component: 'kafkajs' }));
    this.lifecycle.add(unguard);
    const kafka = createKafka(config.kafka, logger);
    // Shared mode: a send in flight must end within the grace period before another relay takes its share.
    const timeoutMs =
      config.mode === 'shared'
        ? Math.min(PRODUCE_TIMEOUT_MS, graceMs(config.shareLeaseMs))
        : PRODUCE_TIMEOUT_MS;
    const publisher = createPublisher({ kafka, config: config.kafka, logger, timeoutMs });
    this.publisher = publisher;
    this.lifecycle.add(() => publisher.close());
    return { publisher, kafka, timeoutMs };
  }

  /** One relay per database, each with its table's identity (read once, waiting out outages). */
  private async createRelays(publisher: Publisher, kafka: Kafka, produceTimeoutMs: number): Promise<void> {
    const { config, logger } = this.deps;
    const deps = {
      config,
      kafka,
      publisher,
      metrics: this.metrics,
      logger,
      track: this.published.track.bind(this.published),
      produceTimeoutMs,
      closeLater: (close: () => Promise<void>) => this.lifecycle.add(close),
    };
    // Named after the pod the report names (POD_NAME), so a status entry's pod is found among the members.
    const member = memberName(config.report?.podName);
    for (const store of this.stores) {
      const counted = this.countRetry('migrate', [store.database]);
      const source = await this.untilUp('table identity', () => store.identity(), counted);
      this.relays.push(createRelay(deps, store, source, member));
    }
  }

  private startReporting(): void {
    const reporting = this.reporting;
    if (!reporting) return;
    reporting.start();
    this.lifecycle.add(() => reporting.stop());
  }

  /**
   * Runs every relay until stopped. Kafka is reached once at start, beside the relays, so that a
   * configuration mistake (a certificate not trusted, a SASL login refused: a ConfigError) stops the relay
   * even while the outbox is empty.
   */
  private async publish(publisher: Publisher): Promise<void> {
    const { config } = this.deps;
    this.lifecycle.add(async () => void (await Promise.all(this.relays.map((r) => r.stop()))));
    const databases = this.stores.map((s) => s.database);
    const counted = this.countRetry('connect', databases);
    const checked = this.untilUp('Kafka connection', () => publisher.check(), counted).then(() => {
      this.kafkaChecked = true;
      this.log.info({ brokers: config.kafka.brokers }, 'Kafka reached');
    });
    await Promise.all([checked, ...this.relays.map((r) => r.run())]);
  }

  private untilUp<T>(what: string, fn: () => Promise<T>, counted: () => void): Promise<T> {
    return retryTransient(fn, {
      active: () => !this.stopping,
      sleep: async (ms) => {
        await Promise.race([sleep(ms), this.stopRequested]);
        return !this.stopping;
      },
      onRetry: (error) => {
        this.log.warn({ err: error }, `${what} failed; retrying`);
        counted();
      },
    });
  }

  /** Counts a retry of a start-up step under each of the databases it holds up. */
  private countRetry(operation: 'migrate' | 'connect', databases: readonly string[]): () => void {
    return () => {
      for (const database of databases) this.metrics.retries.inc({ database, operation });
    };
  }

  private requestStop(): void {
    this.stopping = true;
    this.wakeStop();
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    await this.lifecycle.stop();
    this.log.info('stopped');
  }

  /** main() failed: a last report naming a refused credential, then the same way back. */
  private async fail(error: unknown): Promise<void> {
    this.requestStop();
    await this.reporting?.final(error);
    await this.shutdown();
    if (!(error instanceof RetryAborted)) throw error;
  }
}
