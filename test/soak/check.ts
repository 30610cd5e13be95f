// The checker's verdict, a pure function of what the writer knows it committed and rolled back, what a
// separate Kafka client read back, and the errored rows left in the table. Every committed row must have
// arrived at least once (by outbox-id, with the payload the writer wrote); no row of a transaction that did
// not commit may arrive; only the injected poison rows may be errored, each with a reason; per topic and
// partition key, first deliveries must come in id order. Duplicates are counted, and failed with
// failOnDuplicates (a fleet in shared mode reads Kafka back at every takeover: none is expected).
import type { Delivered } from './kafka-reader.js';
import type { ErroredRow } from './outbox-table.js';
import { tokenOf } from './rows.js';
import type { WrittenRow } from './writer.js';

export interface CheckInput {
  committed: readonly WrittenRow[];
  notCommitted: readonly { token: string }[];
  delivered: readonly Delivered[];
  errored: readonly ErroredRow[];
  /** Rows still waiting when the drain gave up. */
  pendingAtEnd: number;
  /** Transactions whose commit outcome could not be settled. */
  unsettled: number;
  /** Misbehaviour the relays showed while running (exited by themselves, hung on SIGTERM, ...). */
  anomalies: readonly string[];
  /** Fail on any message delivered more than once. */
  failOnDuplicates?: boolean;
}

export interface CheckResult {
  committed: number;
  poison: number;
  delivered: number;
  messages: number;
  lost: string[];
  outOfOrder: string[];
  duplicates: number;
  /** The first duplicates: the id and where its first and later copies are. */
  duplicateExamples: string[];
  rolledBackDelivered: string[];
  erroredPoison: number;
  unexpectedErrored: ErroredRow[];
  poisonProblems: string[];
  /** Messages that are not a committed row of this soak as the writer wrote it. */
  foreign: string[];
  failures: string[];
}

const MAX_EXAMPLES = 10;

function compareOffsets(a: Delivered, b: Delivered): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  if (a.partition !== b.partition) return a.partition - b.partition;
  const x = BigInt(a.offset);
  const y = BigInt(b.offset);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function check(input: CheckInput): CheckResult {
  const byId = new Map(input.committed.map((r) => [r.id, r]));
  const notCommitted = new Set(input.notCommitted.map((r) => r.token));
  // A row of a missing topic is not poison: held until the soak creates the topic, then delivered.
  const poison = input.committed.filter((r) => r.poison && r.poison !== 'poison-missing-topic');
  const poisonIds = new Set(poison.map((r) => r.id));

  const firstSeen = new Map<string, string>();
  const duplicateExamples: string[] = [];
  const lastOfKey = new Map<string, bigint>();
  const outOfOrder: string[] = [];
  const rolledBackDelivered: string[] = [];
  const foreign: string[] = [];
  let duplicates = 0;

  for (const m of [...input.delivered].sort(compareOffsets)) {
    const where = `${m.topic}/${m.partition}@${m.offset}`;
    const token = tokenOf(m.value);
    if (token !== undefined && notCommitted.has(token)) {
      rolledBackDelivered.push(`${where} token ${token}`);
      continue;
    }
    const row = m.outboxId === undefined ? undefined : byId.get(m.outboxId);
    if (!row || row.token !== token || row.topic !== m.topic) {
      foreign.push(`${where} outbox-id ${m.outboxId ?? '(none)'} token ${token ?? '(none)'}`);
      continue;
    }
    const first = firstSeen.get(row.id);
    if (first !== undefined) {
      duplicates++;
      if (duplicateExamples.length < MAX_EXAMPLES * 5)
        duplicateExamples.push(`id ${row.id} at ${where}, first at ${first}`);
      continue;
    }
    firstSeen.set(row.id, where);
    if (row.orderingKey === '') continue;
    const key = `${row.topic}\u0000${row.orderingKey}`;
    const id = BigInt(row.id);
    const last = lastOfKey.get(key);
    if (last !== undefined && id < last) {
      outOfOrder.push(
        `${row.topic} key ${row.orderingKey}: id ${row.id} arrived after id ${last} (${where})`,
      );
    } else {
      lastOfKey.set(key, id);
    }
  }

  const lost = input.committed.filter((r) => !poisonIds.has(r.id) && !firstSeen.has(r.id)).map((r) => r.id);
  const erroredById = new Map(input.errored.map((r) => [r.id, r]));
  const unexpectedErrored = input.errored.filter((r) => !poisonIds.has(r.id));
  const poisonProblems: string[] = [];
  for (const p of poison) {
    const errored = erroredById.get(p.id);
    if (firstSeen.has(p.id)) poisonProblems.push(`poison row ${p.id} (${p.poison}) was published`);
    else if (!errored) poisonProblems.push(`poison row ${p.id} (${p.poison}) is not errored`);
    else if (errored.reason.trim() === '')
      poisonProblems.push(`poison row ${p.id} (${p.poison}) has no reason`);
  }

  const failures: string[] = [];
  const some = (what: string, items: readonly unknown[]) => {
    if (items.length > 0) {
      failures.push(`${items.length} ${what}: ${items.slice(0, MAX_EXAMPLES).map(String).join('; ')}`);
    }
  };
  some('committed rows lost', lost);
  some('first deliveries out of id order', outOfOrder);
  some('rows of uncommitted transactions delivered', rolledBackDelivered);
  some(
    'unexpected errored rows',
    unexpectedErrored.map((r) => `${r.id} (${r.reason})`),
  );
  some('poison rows mishandled', poisonProblems);
  some('messages not written by the writer as delivered', foreign);
  some('relay anomalies', input.anomalies);
  if (input.failOnDuplicates && duplicates > 0) {
    failures.push(
      `${duplicates} duplicate deliveries: ${duplicateExamples.slice(0, MAX_EXAMPLES).join('; ')}`,
    );
  }
  if (input.pendingAtEnd > 0) failures.push(`${input.pendingAtEnd} rows still pending after the drain`);
  if (input.unsettled > 0) failures.push(`${input.unsettled} transactions with an unknown commit outcome`);

  return {
    committed: input.committed.length,
    poison: poison.length,
    delivered: firstSeen.size,
    messages: input.delivered.length,
    lost,
    outOfOrder,
    duplicates,
    duplicateExamples,
    rolledBackDelivered,
    erroredPoison: poison.filter((p) => erroredById.has(p.id)).length,
    unexpectedErrored,
    poisonProblems,
    foreign,
    failures,
  };
}
