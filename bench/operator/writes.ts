// Sums of the API server's write requests (apiserver_request_total by "VERB group/resource"), with Leases
// told apart: leader and node Leases are renewed by design.

/** A Lease key of apiserver_request_total ("VERB coordination.k8s.io/leases"). */
export const isLease = (key: string): boolean => key.endsWith('coordination.k8s.io/leases');

/** Every write but those to Leases. */
export const notLease = (key: string): boolean => !isLease(key);

/** The writes whose key passes `filter` (all by default), added up. */
export function sumWrites(
  writes: Array<[string, number]>,
  filter: (key: string) => boolean = () => true,
): number {
  return writes.filter(([k]) => filter(k)).reduce((a, [, v]) => a + v, 0);
}
