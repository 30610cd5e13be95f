// The Kafka side of the relay: an idempotent producer with acks=all (the broker dedupes kafkajs's own
// resends, and no ack comes before every in-sync replica has the row), topic metadata, and one send call
// that takes many messages and makes one produce request for them. Errors come out as PublishError with
// `retriable` set from the error table, except the configuration mistakes (SASL login refused, a broker
// certificate not trusted, a client certificate refused: config-errors.ts), which come out as ConfigError
// and stop the relay: PublishError's callers never see them, so no row is charged for them.
import kafkajs, { type Admin, type Kafka, type Producer, type ProducerBatch } from 'kafkajs';
import type { KafkaConfig } from '../config/config.js';
import { PublishError } from '../errors.js';
import type { Logger } from '../logger.js';
import { redactError } from '../redact.js';
import { kafkaConfigError } from './config-errors.js';
import { compressionType } from './compression.js';
import { dial } from './dial.js';
import { kafkaErrorAction, toPublishError } from './error-table.js';
import { createTopicMetadata, type TopicInfo, type TopicMetadata } from './topic-metadata.js';

// kafkajs is CommonJS: its enums are reached through the default export under ESM.
const { Partitioners } = kafkajs;

export interface OutgoingMessage {
  rowId: string;
  topic: string;
  partition: number;
  key: Buffer | null;
  value: Buffer;
  headers: Record<string, string>;
}

export interface Publisher {
  /** Topic partition counts and sizes; a missing topic maps to null. */
  topics(names: string[]): Promise<Map<string, TopicInfo | null>>;
  /**
   * Sends the messages in one produce request (one record batch per partition), in the order given. With a
   * transactional id, only after prepare(): a send never asks for a producer id itself.
   */
  send(messages: OutgoingMessage[]): Promise<void>;
  /**
   * With a transactional id: connects and has the producer's id and epoch (the coordinator ends what an
   * earlier producer of the id left open). Called before a relay checks its lease, so that a relay fenced
   * after the check is refused by the broker. Without one it does nothing.
   */
  prepare(): Promise<void>;
  /** False while a transaction it began could not be ended (open on the broker until prepare() or a fence). */
  settled(): boolean;
  /**
   * Connects (TLS, SASL) and reads the cluster's metadata: at start, so that a configuration mistake is
   * reported even while the outbox is empty.
   */
  check(): Promise<void>;
  /** TCP dial of each broker, like the Go relay's readiness check. */
  ping(timeoutMs?: number): Promise<void>;
  /**
   * TCP dial of the brokers; resolves once one answers (kafkajs works on with the others when one is
   * down), for /readyz.
   */
  reachable(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface PublisherDeps {
  kafka: Kafka;
  config: KafkaConfig;
  logger: Logger;
  /** Produce request timeout (default PRODUCE_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Each send a transaction under this id (transactions.ts). */
  transactionalId?: string;
  /** How long the coordinator lets a transaction of this producer stay open before it aborts it. */
  transactionTimeoutMs?: number;
}

/** How long the broker may take to have a produce request written by every in-sync replica. */
export const PRODUCE_TIMEOUT_MS = 30_000;

export function createPublisher(deps: PublisherDeps): Publisher {
  return new KafkaPublisher(deps);
}

class KafkaPublisher implements Publisher {
  private readonly log: Logger;
  private readonly secrets: string[];
  private readonly metadata: TopicMetadata;
  private readonly compression: number;
  private producer: Producer | undefined;
  /** The producer whose transactional id has its producer id (prepare()). */
  private prepared: Producer | undefined;
  private unended = false;
  private admin: Admin | undefined;
  private closed = false;

  constructor(private readonly deps: PublisherDeps) {
    this.log = deps.logger.child({ component: 'publisher' });
    this.secrets = deps.config.sasl ? [deps.config.sasl.password] : [];
    this.metadata = createTopicMetadata({ admin: () => this.connectedAdmin() });
    this.compression = compressionType(deps.config.compression);
  }

  async topics(names: string[]): Promise<Map<string, TopicInfo | null>> {
    try {
      return await this.metadata.lookup(names);
    } catch (error) {
      // A metadata failure may leave the admin client confused about the cluster: start afresh.
      const old = this.admin;
      this.admin = undefined;
      await old?.disconnect().catch(() => undefined);
      throw this.failure(error);
    }
  }

  async check(): Promise<void> {
    const admin = await this.connectedAdmin();
    try {
      await admin.describeCluster();
    } catch (error) {
      throw this.failure(error);
    }
  }

  async send(messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const byTopic = groupByTopic(messages);
    const producer = this.deps.transactionalId ? this.preparedProducer() : await this.connectedProducer();
    try {
      if (this.deps.transactionalId) await this.sendInTransaction(producer, this.produceRequest(byTopic));
      else await producer.sendBatch(this.produceRequest(byTopic));
    } catch (error) {
      throw await this.sendFailure(error, [...byTopic.keys()]);
    }
  }

  async prepare(): Promise<void> {
    if (!this.deps.transactionalId) return;
    const producer = await this.connectedProducer();
    if (this.prepared === producer) return;
    try {
      // The producer id comes at the first transaction (one with no partitions ends at once); a new one for
      // the id ends what an earlier producer of it left open.
      const transaction = await producer.transaction();
      await transaction.abort();
      this.prepared = producer;
      this.unended = false;
    } catch (error) {
      await this.resetProducer();
      throw this.failure(error);
    }
  }

  settled = (): boolean => !this.unended;

  private preparedProducer(): Producer {
    this.assertOpen();
    if (this.producer && this.prepared === this.producer) return this.producer;
    throw new PublishError('the transactional producer is not prepared', undefined, { retriable: true });
  }

  /** One transaction: the batch sent and committed, or aborted (or the producer replaced) on a failure. */
  private async sendInTransaction(producer: Producer, batch: ProducerBatch): Promise<void> {
    const transaction = await producer.transaction();
    try {
      await transaction.sendBatch(batch);
      await transaction.commit();
    } catch (error) {
      const ended = transaction.isActive()
        ? await transaction.abort().then(
            () => true,
            () => false,
          )
        : false;
      // A commit or abort refused or cut off leaves kafkajs's transaction state unusable.
      if (!ended) this.unended = true;
      if (!ended && this.producer === producer) await this.resetProducer();
      throw error;
    }
  }

  async ping(timeoutMs = 2000): Promise<void> {
    await Promise.all(this.deps.config.brokers.map((broker) => dial(broker, timeoutMs)));
  }

  async reachable(timeoutMs = 2000): Promise<void> {
    try {
      await Promise.any(this.deps.config.brokers.map((broker) => dial(broker, timeoutMs)));
    } catch (error) {
      const reasons = (error as AggregateError).errors.map((e: Error) => e.message).join('; ');
      throw new PublishError(`no Kafka broker reachable: ${reasons}`, undefined, { retriable: true });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const clients = [this.producer?.disconnect(), this.admin?.disconnect()];
    await Promise.all(clients.map((p) => p?.catch(() => undefined)));
    this.producer = undefined;
    this.admin = undefined;
  }

  /** The error to throw for what kafkajs threw: a ConfigError for a configuration mistake. */
  private failure(error: unknown): Error {
    return this.misconfigured(error) ?? toPublishError(error, this.secrets);
  }

  private misconfigured(error: unknown): Error | undefined {
    return kafkaConfigError(error, this.deps.config, redactError(error, this.secrets));
  }

  private produceRequest(byTopic: Map<string, OutgoingMessage[]>): ProducerBatch {
    return {
      acks: -1,
      timeout: this.deps.timeoutMs ?? PRODUCE_TIMEOUT_MS,
      compression: this.compression,
      topicMessages: [...byTopic].map(([topic, list]) => ({
        topic,
        messages: list.map((m) => ({
          key: m.key,
          value: m.value,
          headers: m.headers,
          partition: m.partition,
        })),
      })),
    };
  }

  /** What a failed send throws, after resetting what the failure may have left wrong. */
  private async sendFailure(error: unknown, topics: string[]): Promise<Error> {
    const misconfigured = this.misconfigured(error);
    if (misconfigured) return misconfigured;
    const wrapped = toPublishError(error, this.secrets);
    const action = kafkaErrorAction(error);
    // A topic deleted after kafkajs was asked about it stays among the producer's targets and fails
    // every later metadata refresh, for every topic: a new producer forgets it.
    if (action === 'reset-producer' || action === 'hold-topic') {
      this.log.warn({ err: wrapped }, 'resetting the producer');
      await this.resetProducer();
    }
    if (
      wrapped.kafkaType &&
      (action === 'permanent' || action === 'hold-topic' || wrapped.kafkaType === 'NOT_LEADER_FOR_PARTITION')
    ) {
      for (const topic of topics) this.metadata.forget(topic);
    }
    return wrapped;
  }

  private async connectedProducer(): Promise<Producer> {
    this.assertOpen();
    this.producer ??= await this.connect(
      this.deps.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        ...(this.deps.transactionalId
          ? { transactionalId: this.deps.transactionalId, transactionTimeout: this.deps.transactionTimeoutMs }
          : {}),
        allowAutoTopicCreation: false,
        // Every message carries the partition the relay chose; this only silences kafkajs's notice.
        createPartitioner: Partitioners.DefaultPartitioner,
      }),
    );
    return this.producer;
  }

  private async connectedAdmin(): Promise<Admin> {
    this.assertOpen();
    this.admin ??= await this.connect(
      this.deps.kafka.admin({ retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 } }),
    );
    return this.admin;
  }

  private assertOpen(): void {
    if (this.closed) throw new PublishError('publisher closed', undefined, { retriable: true });
  }

  /** Connects a new client; one that fails is disconnected and its error thrown as failure() says. */
  private async connect<C extends Producer | Admin>(client: C): Promise<C> {
    try {
      await client.connect();
    } catch (error) {
      await client.disconnect().catch(() => undefined);
      throw this.failure(error);
    }
    return client;
  }

  private async resetProducer(): Promise<void> {
    const old = this.producer;
    this.producer = undefined;
    await old?.disconnect().catch(() => undefined);
  }
}

function groupByTopic(messages: OutgoingMessage[]): Map<string, OutgoingMessage[]> {
  const byTopic = new Map<string, OutgoingMessage[]>();
  for (const m of messages) {
    const list = byTopic.get(m.topic);
    if (list) list.push(m);
    else byTopic.set(m.topic, [m]);
  }
  return byTopic;
}
