// One relay per database, in the configured mode: shared (every relay of a table publishes the shares it
// holds, engine/shared-relay.ts) or standby (one leader per table, engine/database-relay.ts). Each sends
// its table's identity with every message (the outbox-source header) and reads Kafka back at a takeover.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { RelayConfig } from '../config/config.js';
import type { OutboxStore } from '../db/store.js';
import { createDatabaseRelay, type DatabaseRelay } from '../engine/database-relay.js';
import { createBatchPublisher, type BatchOutcome } from '../engine/publish-batch.js';
import { createSharedRelay } from '../engine/shared-relay.js';
import { partitionerNamed } from '../kafka/partitioners.js';
import type { Publisher } from '../kafka/publisher.js';
import { createReadBack } from '../kafka/read-back.js';
import type { Logger } from '../logger.js';
import type { RelayMetrics } from '../metrics.js';
import type { Claim } from '../db/store.js';

export interface RelaysDeps {
  config: RelayConfig;
  kafka: Kafka;
  publisher: Publisher;
  metrics: RelayMetrics;
  logger: Logger;
  /** Wraps a database's publish function (the report's publish times). */
  track: (
    database: string,
    publish: (rows: Claim['rows']) => Promise<BatchOutcome>,
  ) => (rows: Claim['rows']) => Promise<BatchOutcome>;
}

/** This process's name in the lease tables: the host (a pod's name) and a suffix new at every start. */
export function memberName(host = hostname()): string {
  return `${host.slice(0, 200)}-${randomUUID().slice(0, 8)}`;
}

export function createRelay(
  deps: RelaysDeps,
  store: OutboxStore,
  source: string,
  member: string,
): DatabaseRelay {
  const { config, logger } = deps;
  const readBack = createReadBack({ kafka: deps.kafka, logger });
  const publish = createBatchPublisher({
    publisher: deps.publisher,
    partitioner: partitionerNamed(config.kafka.partitioner),
    logger: logger.child({ component: 'batch' }),
    source,
  });
  const common = {
    store,
    publish: deps.track(store.database, publish),
    metrics: deps.metrics,
    logger,
    batchSize: config.batchSize,
    maxBatchSize: config.maxBatchSize,
    pollMs: config.pollFrequencyMs,
    claimTimeoutMs: config.claimTimeoutMs,
    maxAttempts: config.kafka.publishAttempts,
    readBack,
  };
  if (config.mode === 'standby') return createDatabaseRelay(common);
  return createSharedRelay({ ...common, member, leaseMs: config.shareLeaseMs });
}
