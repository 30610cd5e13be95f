// Whether a child needs applying at all. A reconcile used to re-apply every child with server-side apply
// although nothing had changed: at 1,000 OutboxRelays that was 2,198 APPLY requests in a minute of idle
// (bench/RESULTS.md). The object we apply carries the digest of itself (without the digest) in an
// annotation; the apply is skipped when the live object from the cache has that digest AND still holds
// every field we would send (desired ⊆ live). The digest catches a field we stopped sending (the live object
// still has it, so the subset test alone would pass); the subset test catches a user's edit of a managed
// field, which the apply puts back.
import { createHash } from 'node:crypto';
import { APPLIED_HASH_ANNOTATION } from '../render/labels.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface Annotated {
  metadata?: { annotations?: Record<string, string> };
}

/** JSON with object keys sorted, so the digest does not depend on the order a builder wrote them in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function appliedHash(desired: Record<string, unknown>): string {
  return createHash('sha256').update(canonical(desired)).digest('hex').slice(0, 16);
}

/** A copy of the desired object with its digest in the applied-hash annotation (the input is not changed). */
export function stampAppliedHash(desired: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(desired) as Record<string, unknown> & Annotated;
  const hash = appliedHash(desired);
  copy.metadata = {
    ...copy.metadata,
    annotations: { ...copy.metadata?.annotations, [APPLIED_HASH_ANNOTATION]: hash },
  };
  return copy;
}

/** An empty map or list: the API server leaves it out of what it returns (omitempty). */
function isEmpty(value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 0;
  return value !== null && typeof value === 'object' && Object.keys(value).length === 0;
}

/**
 * True when every field of `desired` is in `live` with the same value: objects may have more keys in
 * `live` (defaults, other managers' fields, status); lists must have the same length, item by item. An
 * empty map or list matches an absent one, as the API server drops them (the maintenance CronJobs' empty
 * pod annotations did not come back, which made every reconcile re-apply them).
 */
export function isSubset(desired: unknown, live: unknown): boolean {
  if (isEmpty(desired) && (live === undefined || live === null)) return true;
  if (Array.isArray(desired)) {
    return (
      Array.isArray(live) && live.length === desired.length && desired.every((d, i) => isSubset(d, live[i]))
    );
  }
  if (desired !== null && typeof desired === 'object') {
    if (live === null || typeof live !== 'object' || Array.isArray(live)) return false;
    const l = live as Record<string, Json>;
    return Object.entries(desired as Record<string, unknown>).every(
      ([k, v]) => v === undefined || isSubset(v, l[k]),
    );
  }
  return desired === live;
}

/**
 * True when `stamped` (from stampAppliedHash) would change nothing on `live`. A field the API server
 * rewrites (a quantity written as "0.5" comes back as "500m") makes this false every time: such a child
 * is re-applied on each reconcile: one request, but no change to the object (no new resourceVersion, so no
 * watch event and no further reconcile).
 */
export function upToDate(stamped: Record<string, unknown> & Annotated, live: Annotated | undefined): boolean {
  if (!live) return false;
  const hash = stamped.metadata?.annotations?.[APPLIED_HASH_ANNOTATION];
  return (
    hash !== undefined &&
    live.metadata?.annotations?.[APPLIED_HASH_ANNOTATION] === hash &&
    isSubset(stamped, live)
  );
}
