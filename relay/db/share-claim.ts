// The share claim's one choice, made alike on both databases (each dialect's selectShareBatch): a read of
// each share through the share index, or one scan of the pending rows in id order.

/**
 * From this many shares on, the claim is one scan of the pending rows in id order (the claim index) that
 * leaves out the other shares' rows: it reads about limit * 64 / shares rows, where the per-share reads
 * read up to limit * shares; at 8 both are limit * 8. On 1M rows (PostgreSQL), a claim of 250 rows of 16
 * shares went from 6.2 to 1.9 ms.
 */
export const SCAN_FROM_SHARES = 8;

/** Whether the claim of these (distinct) shares is one scan in id order rather than a read per share. */
export function claimScans(shares: readonly number[]): boolean {
  return shares.length >= SCAN_FROM_SHARES;
}
