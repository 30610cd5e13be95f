// The shared mode's timing (shared-relay.ts): how often leases are renewed, how much of a lease must be
// left to send, and the grace period before another relay takes a share whose lease ended.
import { PublishError } from '../../errors.js';
import type { Claim } from '../../db/store.js';
import type { BatchOutcome } from '../publish-batch.js';

/** Leases are renewed every lease / RENEW_FRACTION: two renewals in a row can fail before sending stops. */
export const RENEW_FRACTION = 5;
/** A batch is sent only with this fraction of a lease left; it is also the bound on a send in flight. */
export const SEND_BOUND_FRACTION = 0.5;

/** The grace period after a lease ends before another relay may take the share: the bound on a send. */
export function graceMs(leaseMs: number): number {
  return Math.ceil(leaseMs * SEND_BOUND_FRACTION);
}

/** Whether a batch may go out now: enough of the leases is left (by `deadline`) for a send to end within them. */
export function maySend(now: number, leaseMs: number, deadline: number): boolean {
  return now + leaseMs * SEND_BOUND_FRACTION <= deadline;
}

/** The outcome of a batch held back because the leases are too close to their end: retried later. */
export function leaseEnding(rows: { id: string }[]): BatchOutcome {
  return {
    published: [],
    failures: [],
    released: rows.map((r) => r.id),
    transient: new PublishError('share leases about to end; not sending until renewed', undefined, {
      retriable: true,
    }),
  };
}

/** The outcome of a batch not sent because its producer could not be readied: retried later, uncounted. */
export function notSent(rows: { id: string }[], error: PublishError): BatchOutcome {
  return { published: [], failures: [], released: rows.map((r) => r.id), transient: error };
}

/**
 * A batch sent only while enough of the leases is left (`leaseLeft`), its producer readied (`prepare`)
 * before that is checked, so that a fence coming after the check holds; one that cannot be readied is held
 * back, uncounted. A configuration mistake (a ConfigError) is thrown: it stops the relay, as from a send.
 */
export async function sendIfHeld(
  rows: Claim['rows'],
  deps: {
    prepare?: (() => Promise<void>) | undefined;
    leaseLeft: () => boolean;
    publish: (rows: Claim['rows']) => Promise<BatchOutcome>;
  },
): Promise<BatchOutcome> {
  try {
    await deps.prepare?.();
  } catch (error) {
    if (!(error instanceof PublishError)) throw error;
    return notSent(rows, error);
  }
  return deps.leaseLeft() ? deps.publish(rows) : leaseEnding(rows);
}

/** Shares as ranges for a log line: 0-21,40. */
export function compact(shares: number[]): string {
  const sorted = [...shares].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j;
  }
  return parts.join(',');
}

/** Sleeps that stop() cuts short. */
export class Pauses {
  private cutNow: (() => void) | undefined;

  constructor(private readonly sleep: (ms: number) => Promise<void>) {}

  async for(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      this.cutNow = resolve;
      void this.sleep(ms).then(resolve);
    });
    this.cutNow = undefined;
  }

  cut(): void {
    this.cutNow?.();
  }
}
