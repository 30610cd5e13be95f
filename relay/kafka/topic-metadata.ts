// Partition counts and maximum message sizes of topics, read from the cluster and cached. The relay
// computes partitions itself (so both partitioners are available) and must know each topic's partition
// count; a topic missing from the cluster is reported as null, never cached, so that creating it is seen
// at the next batch.
import kafkajs, { type Admin } from 'kafkajs';
import { toPublishError } from './error-table.js';

export interface TopicInfo {
  partitions: number;
  /** The topic's max.message.bytes: the largest record batch the broker accepts. */
  maxMessageBytes: number;
}

export interface TopicMetadata {
  /** The topics' information; a missing topic maps to null. Throws PublishError (retriable) on outages. */
  lookup(topics: string[]): Promise<Map<string, TopicInfo | null>>;
  forget(topic: string): void;
}

// kafkajs is CommonJS: its enums are reached through the default export under ESM.
const { ConfigResourceTypes } = kafkajs;

// Kafka's default max.message.bytes, used when the topic's configuration cannot be read (no ACL for it).
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

export interface TopicMetadataDeps {
  admin: () => Promise<Admin>;
  ttlMs?: number;
  now?: () => number;
}

export function createTopicMetadata(deps: TopicMetadataDeps): TopicMetadata {
  return new CachedTopicMetadata(deps);
}

class CachedTopicMetadata implements TopicMetadata {
  private readonly cache = new Map<string, { info: TopicInfo; at: number }>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(private readonly deps: TopicMetadataDeps) {
    this.ttlMs = deps.ttlMs ?? 60_000;
    this.now = deps.now ?? Date.now;
  }

  async lookup(topics: string[]): Promise<Map<string, TopicInfo | null>> {
    const unique = [...new Set(topics)];
    const stale = unique.filter((t) => {
      const entry = this.cache.get(t);
      return !entry || this.now() - entry.at > this.ttlMs;
    });
    if (stale.length > 0) await this.refresh(stale);
    return new Map(unique.map((t) => [t, this.cache.get(t)?.info ?? null]));
  }

  forget(topic: string): void {
    this.cache.delete(topic);
  }

  private async refresh(wanted: string[]): Promise<void> {
    const admin = await this.deps.admin();
    try {
      // Asking for all topics (no list) rather than the wanted ones: kafkajs remembers every topic it was
      // asked about and fails all later metadata requests if one of them does not exist.
      const existing = new Set(await admin.listTopics());
      const present = wanted.filter((t) => existing.has(t));
      for (const gone of wanted.filter((t) => !existing.has(t))) this.cache.delete(gone);
      if (present.length === 0) return;
      const { topics } = await admin.fetchTopicMetadata({ topics: present });
      const sizes = await maxMessageSizes(admin, present);
      for (const topic of topics) {
        this.cache.set(topic.name, {
          info: {
            partitions: topic.partitions.length,
            maxMessageBytes: sizes.get(topic.name) ?? DEFAULT_MAX_MESSAGE_BYTES,
          },
          at: this.now(),
        });
      }
    } catch (error) {
      throw toPublishError(error);
    }
  }
}

/** Each topic's max.message.bytes, where the relay may read it. */
async function maxMessageSizes(admin: Admin, topics: string[]): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  try {
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: topics.map((name) => ({
        type: ConfigResourceTypes.TOPIC,
        name,
        configNames: ['max.message.bytes'],
      })),
    });
    for (const resource of described.resources) {
      const entry = resource.configEntries.find((e) => e.configName === 'max.message.bytes');
      if (entry) sizes.set(resource.resourceName, Number(entry.configValue));
    }
  } catch {
    // Reading topic configuration needs DescribeConfigs rights; without them the default applies and
    // the broker's own check remains.
  }
  return sizes;
}
