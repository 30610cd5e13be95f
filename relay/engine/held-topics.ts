// The topics a database's relay holds: missing from the cluster (auto creation is off on most clusters,
// and an application may write rows before its topic is made) or not writable by this relay. Their rows
// are never sent and never counted (DESIGN: a missing or forbidden topic holds its rows while other topics
// flow); reads leave the topic out, so that its rows, the oldest in the table, do not fill every batch.
//
// A held topic is tried again now and then: its rows are let into one read, and that batch's outcome says
// whether the topic flows again. The first try comes after FIRST_RECHECK_MS (at least the poll interval),
// then the wait doubles up to MAX_RECHECK_MS, so a topic that stays missing costs one read of its oldest
// rows (a batch) and one metadata request every 10 seconds, and a topic created goes out within 10
// seconds (within a second or two when it was made a moment after its first rows).
import type { BatchOutcome, HeldTopic } from './publish-batch.js';

export const FIRST_RECHECK_MS = 1000;
export const MAX_RECHECK_MS = 10_000;

/** What a status report says about a held topic. */
export interface HeldTopicStatus extends HeldTopic {
  /** When this relay first held it (epoch ms). */
  since: number;
}

interface Entry {
  reason: string;
  since: number;
  retries: number;
  recheckAt: number;
}

export interface HeldTopicsChange {
  /** Topics held by this outcome that were not held before. */
  held: HeldTopic[];
  /** Topics that flow again, with how long they were held. */
  released: { topic: string; heldMs: number }[];
}

export class HeldTopics {
  private readonly entries = new Map<string, Entry>();
  private readonly firstRecheckMs: number;

  constructor(private readonly options: { pollMs: number; now: () => number; maxRecheckMs?: number }) {
    this.firstRecheckMs = Math.max(options.pollMs, FIRST_RECHECK_MS);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The topics the next read leaves out: held and not yet due to be tried again. */
  excluded(): string[] {
    const now = this.options.now();
    const out: string[] = [];
    for (const [topic, entry] of this.entries) if (entry.recheckAt > now) out.push(topic);
    return out;
  }

  /** The held topics the next read lets in (due to be tried again). */
  due(): string[] {
    const now = this.options.now();
    const out: string[] = [];
    for (const [topic, entry] of this.entries) if (entry.recheckAt <= now) out.push(topic);
    return out;
  }

  /**
   * Lets go of the topics among `due` that a complete read (not full, nothing left out by id) found no
   * row of: nothing of theirs is waiting any more (requeued elsewhere, deleted), so nothing is held.
   */
  releaseAbsent(due: readonly string[], readTopics: Iterable<string>): HeldTopicsChange {
    const now = this.options.now();
    const present = new Set(readTopics);
    const change: HeldTopicsChange = { held: [], released: [] };
    for (const topic of due) {
      const entry = this.entries.get(topic);
      if (!entry || present.has(topic)) continue;
      this.entries.delete(topic);
      change.released.push({ topic, heldMs: now - entry.since });
    }
    return change;
  }

  /**
   * Takes in what became of a batch whose rows had these topics: the topics it held are held (again),
   * and, unless a transient error stopped the batch before it got to them, the others flow.
   */
  record(topics: Iterable<string>, outcome: BatchOutcome): HeldTopicsChange {
    const now = this.options.now();
    const change: HeldTopicsChange = { held: [], released: [] };
    const heldNow = new Set<string>();
    for (const { topic, reason } of outcome.held ?? []) {
      heldNow.add(topic);
      const entry = this.entries.get(topic);
      if (entry) {
        entry.retries++;
        entry.reason = reason;
        entry.recheckAt = now + this.delay(entry.retries);
      } else {
        this.entries.set(topic, { reason, since: now, retries: 0, recheckAt: now + this.delay(0) });
        change.held.push({ topic, reason });
      }
    }
    if (outcome.transient) return change;
    for (const topic of new Set(topics)) {
      const entry = this.entries.get(topic);
      if (!entry || heldNow.has(topic)) continue;
      this.entries.delete(topic);
      change.released.push({ topic, heldMs: now - entry.since });
    }
    return change;
  }

  list(): HeldTopicStatus[] {
    return [...this.entries]
      .map(([topic, e]) => ({ topic, reason: e.reason, since: e.since }))
      .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
  }

  clear(): void {
    this.entries.clear();
  }

  private delay(retries: number): number {
    const max = Math.max(this.options.maxRecheckMs ?? MAX_RECHECK_MS, this.firstRecheckMs);
    return Math.min(max, this.firstRecheckMs * 2 ** Math.min(retries, 20));
  }
}
