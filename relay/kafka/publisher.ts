// The Kafka side of the relay: an idempotent producer with acks=all (the broker dedupes kafkajs's own
// resends, and no ack comes before every in-sync replica has the row), topic metadata, and one send call
// that takes many messages and makes one produce request for them. Errors come out as PublishError with
// `retriable` set from the error table, except the configuration mistakes (SASL login refused, a broker
// certificate not trusted, a client certificate refused: config-errors.ts), which come out as ConfigError
// and stop the relay: PublishError's callers never see them, so no row is charged for them.
import net from 'node:net';
import kafkajs, { type Admin, type Kafka, type Producer, type ProducerBatch } from 'kafkajs';
import type { KafkaConfig } from '../config/config.js';
import { PublishError } from '../errors.js';
import type { Logger } from '../logger.js';
import { redactError } from '../redact.js';
import { kafkaConfigError } from './config-errors.js';
import { compressionType } from './compression.js';
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
  /** Sends the messages in one produce request (one record batch per partition), in the order given. */
  send(messages: OutgoingMessage[]): Promise<void>;
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
    const producer = await this.connectedProducer();
    try {
      await producer.sendBatch(this.produceRequest(byTopic));
    } catch (error) {
      throw await this.sendFailure(error, [...byTopic.keys()]);
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

function dial(broker: string, timeoutMs: number): Promise<void> {
  const at = broker.lastIndexOf(':');
  // An IPv6 literal is written in brackets ([::1]:9092, as KAFKA_HOST takes it); net.connect takes it bare.
  const host = broker.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  const port = Number(broker.slice(at + 1));
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, timeout: timeoutMs });
    const fail = (why: string) => {
      socket.destroy();
      reject(new PublishError(`cannot reach Kafka broker ${broker}: ${why}`, undefined, { retriable: true }));
    };
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
    socket.once('timeout', () => fail('timed out'));
    socket.once('error', (e) => fail(e.message));
  });
}
