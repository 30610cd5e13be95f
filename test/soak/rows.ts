// What the writer puts in the outbox: ordinary rows spread over topics and keys, each payload carrying a
// token unique to the soak so that every message can be traced back to the row the writer wrote, and the
// poison rows the relay must mark errored (with a reason) instead of publishing.
import type { FaultKind } from './options.js';
import type { Random } from './random.js';
import type { OutboxInsert } from './writer-connection.js';

export type PoisonKind = Extract<FaultKind, `poison-${string}`>;

/** Bigger than the broker's and the topics' default max.message.bytes (about 1 MB). */
export const OVERSIZED_PAYLOAD_BYTES = 1_200_000;

export interface RowPlan {
  insert: OutboxInsert;
  token: string;
  /** partition_key, else key: what the relay keeps in order. */
  orderingKey: string;
  poison?: PoisonKind;
}

export interface RowShape {
  topics: readonly string[];
  /** A topic name that does not exist on the broker. */
  missingTopic: string;
  keys: number;
}

function payload(token: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ soak: token, ...extra });
}

/**
 * An ordinary row: most have a key, a quarter of those choose their partition by a partition_key shared by
 * several keys, a few have no key at all (and so no order promise).
 */
export function ordinaryRow(random: Random, shape: RowShape, token: string): RowPlan {
  const topic = random.pick(shape.topics);
  if (random.chance(0.05)) {
    return {
      token,
      orderingKey: '',
      insert: { topic, payload: payload(token), headers: '{}', key: '', partitionKey: '' },
    };
  }
  const k = random.int(0, shape.keys - 1);
  const key = `key-${k}`;
  const partitionKey = k % 4 === 0 ? `group-${k % 16}` : '';
  const headers = random.chance(0.3) ? JSON.stringify({ 'soak-token': token, n: k }) : '{}';
  return {
    token,
    orderingKey: partitionKey !== '' ? partitionKey : key,
    insert: { topic, payload: payload(token, { k }), headers, key, partitionKey },
  };
}

/**
 * A poison row; it shares its key with ordinary rows, so that it also holds back the rows behind it. A row
 * of the missing topic is the exception: the relay holds it (uncounted) rather than erroring it, and the
 * soak creates the topic before the drain, so it must be delivered like any row.
 */
export function poisonRow(kind: PoisonKind, random: Random, shape: RowShape, token: string): RowPlan {
  const key = `key-${random.int(0, shape.keys - 1)}`;
  const base = {
    topic: random.pick(shape.topics),
    payload: payload(token),
    headers: '{}',
    key,
    partitionKey: '',
  };
  const insert: OutboxInsert = (() => {
    switch (kind) {
      case 'poison-headers':
        return { ...base, headers: random.chance(0.5) ? '["not", "an", "object"]' : '"text"' };
      case 'poison-empty-topic':
        return { ...base, topic: '' };
      case 'poison-oversized':
        return { ...base, payload: payload(token, { pad: 'x'.repeat(OVERSIZED_PAYLOAD_BYTES) }) };
      case 'poison-missing-topic':
        return { ...base, topic: shape.missingTopic };
    }
  })();
  return { token, orderingKey: key, insert, poison: kind };
}

/** The token in a message's value, if it is one of ours. */
export function tokenOf(value: Buffer | string | null): string | undefined {
  if (value === null) return undefined;
  try {
    const parsed = JSON.parse(value.toString()) as { soak?: unknown };
    return typeof parsed.soak === 'string' ? parsed.soak : undefined;
  } catch {
    return undefined;
  }
}
