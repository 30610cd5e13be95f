// One relay per database, in the configured mode: shared (every relay of a table publishes the shares it
// holds, engine/shared-relay.ts) or standby (one leader per table, engine/database-relay.ts). Each sends
// its table's identity with every message (the outbox-source header) and reads Kafka back at a takeover.
// In shared mode with KAFKA_TRANSACTIONS each database's relay sends through a transactional producer of
// its own, and fences the transactional id of a relay it takes shares over from (kafka/transactions.ts).
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { RelayConfig } from '../config/config.js';
import type { OutboxStore } from '../db/store.js';
import { createDatabaseRelay, type DatabaseRelay } from '../engine/database-relay.js';
import { createBatchPublisher, type BatchOutcome } from '../engine/publish-batch.js';
import { createSharedRelay } from '../engine/shared-relay.js';
import { partitionerNamed } from '../kafka/partitioners.js';
import { createPublisher, type Publisher } from '../kafka/publisher.js';
import { createReadBack } from '../kafka/read-back.js';
import { createFence, transactionalIdOf } from '../kafka/transactions.js';
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
  /** Produce request timeout of a relay's own producer. */
  produceTimeoutMs: number;
  /** Takes what a relay opened (its own producer) to close at the end, after the relays stopped. */
  closeLater: (close: () => Promise<void>) => void;
}

/** The longest pod or host part of a member name: the lease tables' member column is varchar(255). */
export const MEMBER_HOST_LENGTH = 200;
const MEMBER_SUFFIX = /^(.+)-[0-9a-f]{8}$/;

/**
 * This process's name in the lease tables: its pod's name (the report's POD_NAME, else the host name) and
 * a suffix new at every start.
 */
export function memberName(host = hostname()): string {
  return `${host.slice(0, MEMBER_HOST_LENGTH)}-${randomUUID().slice(0, 8)}`;
}

/** The pod a member name was made of, cut as memberName cuts it; undefined for a name of another form. */
export function podOfMember(member: string): string | undefined {
  return MEMBER_SUFFIX.exec(member)?.[1];
}

/**
 * Whether `pod` has one of these live members; undefined when that cannot be told: the members are not
 * known, or one of them is not named by memberName (it could be any pod's).
 */
export function hasLiveMember(members: readonly string[] | undefined, pod: string): boolean | undefined {
  if (members === undefined) return undefined;
  const pods = members.map(podOfMember);
  if (pods.includes(undefined)) return undefined;
  return pods.includes(pod.slice(0, MEMBER_HOST_LENGTH));
}

export function createRelay(
  deps: RelaysDeps,
  store: OutboxStore,
  source: string,
  member: string,
): DatabaseRelay {
  const { config, logger } = deps;
  const readBack = createReadBack({ kafka: deps.kafka, logger });
  const own =
    config.mode === 'shared' && config.kafka.transactions
      ? ownPublisher(deps, store.database, source, member)
      : undefined;
  const publish = createBatchPublisher({
    publisher: own ?? deps.publisher,
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
  const secrets = config.kafka.sasl ? [config.kafka.sasl.password] : [];
  return createSharedRelay({
    ...common,
    member,
    leaseMs: config.shareLeaseMs,
    ...(own && {
      fence: createFence(deps.kafka, source, secrets),
      prepareSend: () => own.prepare(),
      settled: () => own.settled(),
    }),
  });
}

/**
 * A relay's transactional producer, with the topics' metadata its sends' failures correct (a topic
 * forgotten after a refused send is looked up again). A transaction left open by a relay that died is
 * aborted by the next owner's fence, or after two leases.
 */
function ownPublisher(deps: RelaysDeps, database: string, source: string, member: string): Publisher {
  const { config } = deps;
  const own = createPublisher({
    kafka: deps.kafka,
    config: config.kafka,
    logger: deps.logger.child({ database }),
    timeoutMs: deps.produceTimeoutMs,
    transactionalId: transactionalIdOf(source, member),
    transactionTimeoutMs: Math.max(10_000, 2 * config.shareLeaseMs),
  });
  deps.closeLater(() => own.close());
  return own;
}
