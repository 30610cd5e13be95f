// The end of a drain, exact with Kafka transactions. The counter sums the topic's high watermarks, which
// count offsets, and a transaction's commit takes an offset in every partition it touched (its marker): a
// relay sending batches of 1,000 rows over 6 partitions in transactions leaves about 6 markers per 1,000
// messages, so a backlog of N rows reaches N offsets while its last few batches are still to come, and a
// drain ended there would be taken as finished early and as faster than it was.
//
// So the offsets only say when to look: once they reach N, the relays' own counters of rows marked
// published (their /metrics, read every 20 ms) say when every row is done, and the drain ended at the first
// sample of the topic's last plateau, once two samples agree on it: the last commit's markers, when the last
// batch became readable to read_committed consumers. The database's pending count would do as well but
// costs the measurement: on PostgreSQL each count(*) reads every row of the outbox, which the drain's
// database cost would count as the relay's reads (the statistics are read after the drain).
//
// The offsets' series stays the drain's curve: it is the only record of when messages arrived (the relays'
// counters move after each mark, and reading them every 50 ms would cost the relays), and its markers are
// spread over the drain like its batches, so the curve's shape is the messages' less a few per thousand.
import type { CountPoint, TopicCounter } from './kafka.js';

export interface DrainEnd {
  /** The first sample that saw anything: [seconds on performance.now()'s clock, offsets]. */
  first: CountPoint;
  /** The drain's end, on the same clock: the first sample of the last plateau. */
  end: number;
  /** The offsets taken, less the rows: the transactions' markers (0 without transactions). */
  markers: number;
  seconds: number;
  /** Messages from the first sample to the end, per second. */
  messagesPerSecond: number;
}

/**
 * The drain's end and rate from the counter's samples (the first sample of each plateau and every change)
 * and the final offsets (`offsets`, every row delivered). The messages at the first sample are its offsets
 * less their share of the markers (the same share as at the end).
 */
export function drainEnd(points: CountPoint[], rows: number, offsets: number): DrainEnd {
  const first = points.find(([, n]) => n > 0);
  const last = points.find(([, n]) => n >= offsets);
  if (!first || !last) throw new Error(`the counter never saw ${offsets} offsets`);
  const seconds = last[0] - first[0];
  const before = Math.round((first[1] * rows) / offsets);
  return {
    first,
    end: last[0],
    markers: offsets - rows,
    seconds,
    messagesPerSecond: seconds > 0 ? (rows - before) / seconds : NaN,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits for the drain of `rows` rows into the counted topic: the offsets at `rows` at least, then `delivered`
 * (the relays' counters: every row marked published) polled every 20 ms, then the topic sampled until two
 * samples agree on its final offsets. Fails after `timeoutMs` (but for those last samples).
 */
export async function awaitDrain(
  counter: TopicCounter,
  rows: number,
  delivered: () => Promise<boolean>,
  timeoutMs: number,
): Promise<DrainEnd> {
  const deadline = Date.now() + timeoutMs;
  await counter.reached(rows, timeoutMs);
  while (!(await delivered())) {
    if (Date.now() > deadline) throw new Error(`${rows} rows not marked published in ${timeoutMs} ms`);
    await sleep(20);
  }
  // The coordinator writes a commit's markers once the commit is logged, maybe after the producer heard
  // back: the offsets are final when two samples in a row agree.
  let offsets = await counter.next();
  for (let again = await counter.next(); again !== offsets; again = await counter.next()) offsets = again;
  return drainEnd(counter.points, rows, offsets);
}
