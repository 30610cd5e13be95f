// What of a watched object can change a reconcile's outcome. An update event whose fingerprint is the
// one seen before is not work: our own status writes come back as OutboxRelay updates, and
// kube-controller-manager updates a Deployment's status many times while it rolls out; at 1,000
// OutboxRelays those updates made 1,314 reconciles in a minute of idle (bench/RESULTS.md). Spec and
// metadata changes (a user's edit of a child) always count, and deletes are always work.
import type { KubeObject } from '../kube/client.js';
import { deploymentView } from './readiness.js';

function metadataOf(obj: KubeObject): unknown[] {
  const m = obj.metadata ?? {};
  return [m.generation, m.labels, m.annotations, m.ownerReferences, m.deletionTimestamp];
}

/**
 * An OutboxRelay: its spec (generation), metadata and the relays' reports (status.databases, which
 * Publishing and the summary are derived from). The rest of its status is ours, so our own writes are
 * not work; the relays write a report only when it changed (at most every 10 s per pod).
 */
export function relayFingerprint(obj: KubeObject): string {
  const m = obj.metadata ?? {};
  const databases = (obj as { status?: { databases?: unknown } }).status?.databases ?? null;
  return JSON.stringify([m.generation, m.labels, m.annotations, m.deletionTimestamp, databases]);
}

/** A Deployment: spec and metadata, and exactly the status fields the OutboxRelay status reads. */
export function deploymentFingerprint(obj: KubeObject): string {
  return JSON.stringify([...metadataOf(obj), deploymentView(obj as Parameters<typeof deploymentView>[0])]);
}

/** A CronJob: spec and metadata; the OutboxRelay status reads nothing of a CronJob's status. */
export function cronJobFingerprint(obj: KubeObject): string {
  return JSON.stringify(metadataOf(obj));
}

/**
 * The relay pods' ServiceAccount, Role and RoleBinding (render/reporter-rbac.ts): they have no generation,
 * so their content is the fingerprint (a user's edit of a rule is work, and the apply puts it back); the
 * token controller's or anyone's status-like writes to other fields are not.
 */
export function serviceAccountFingerprint(obj: KubeObject): string {
  const sa = obj as { automountServiceAccountToken?: unknown; imagePullSecrets?: unknown };
  return JSON.stringify([...metadataOf(obj), sa.automountServiceAccountToken, sa.imagePullSecrets]);
}

export function roleFingerprint(obj: KubeObject): string {
  return JSON.stringify([...metadataOf(obj), (obj as { rules?: unknown }).rules]);
}

export function roleBindingFingerprint(obj: KubeObject): string {
  const rb = obj as { roleRef?: unknown; subjects?: unknown };
  return JSON.stringify([...metadataOf(obj), rb.roleRef, rb.subjects]);
}

export type WatchEvent = 'add' | 'update' | 'delete';

/**
 * A filter of informer events: true when the event is work. It remembers the last fingerprint of each
 * object (by namespace and name) and forgets it on delete.
 */
export function changeFilter(fingerprint: (obj: KubeObject) => string) {
  const seen = new Map<string, string>();
  return (event: WatchEvent, obj: KubeObject): boolean => {
    const id = `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
    if (event === 'delete') {
      seen.delete(id);
      return true;
    }
    const print = fingerprint(obj);
    if (event === 'update' && seen.get(id) === print) return false;
    seen.set(id, print);
    return true;
  };
}
