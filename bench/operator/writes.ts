// Sums of write requests, from the API server's counter (by "VERB group/resource") and from the operator's
// own request counter, with Leases told apart: leader and node Leases are renewed by design.

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

/** The operator's own write requests (its request counter), Leases apart. */
export function operatorWrites(metrics: string): number {
  let sum = 0;
  for (const line of metrics.split('\n')) {
    const m = /^outbox_operator_api_requests_total\{verb="(\w+)",resource="([^"]+)"\} (\S+)$/.exec(line);
    if (m && ['APPLY', 'PATCH', 'POST', 'PUT', 'DELETE'].includes(m[1]!) && m[2] !== 'leases')
      sum += Number(m[3]);
  }
  return sum;
}
