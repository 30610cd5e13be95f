// The markings the loop keeps running beside the sending (see loop.ts): each is a batch sent whole whose
// rows are being marked published, and whose rows stay out of the next reads until it ends.

/** A batch whose marking is still running: its rows stay out of the next reads. */
export interface Marking {
  ids: readonly string[];
  /** Settles with the error that ended the marking (RetryAborted after abort()), or undefined. */
  done: Promise<unknown>;
  /** True once `done` has settled. */
  ended: boolean;
}

/**
 * How many batches sent whole may be being marked at once. Two: a marking that takes longer than the next
 * send (a slow commit) does not hold the sending up; the pool keeps a connection for each and one for
 * the read-ahead.
 */
export const MARKING_DEPTH = 2;

export function tracked(ids: readonly string[], done: Promise<unknown>): Marking {
  const marking: Marking = { ids, done, ended: false };
  void done.then(() => (marking.ended = true));
  return marking;
}

/**
 * Takes the markings that have ended off the list, waiting for the oldest until at most `keep` are still
 * running; rethrows what ended one (RetryAborted after abort()).
 */
export async function settle(markings: Marking[], keep: number): Promise<void> {
  while (markings.length > 0 && (markings[0]!.ended || markings.length > keep)) {
    const error = await markings.shift()!.done;
    if (error !== undefined) throw error;
  }
}
