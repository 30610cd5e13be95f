// Names, labels and the owner reference every child carries.
import { API_VERSION, KIND, type OutboxRelay } from '../api/types.js';

export type Component = 'relay' | 'cleanup' | 'optimize' | 'reporter';

export const MANAGED_BY = 'outbox-relay-operator';
export const SECRET_HASH_ANNOTATION = 'outbox.kafka-relay.dev/secret-hash';
/** On every applied child: the digest of what the operator last applied to it. */
export const APPLIED_HASH_ANNOTATION = 'outbox.kafka-relay.dev/applied-hash';

export function childName(relay: OutboxRelay, component: Component): string {
  return `${relay.metadata.name}-${component}`;
}

/** The labels that select a child's pods; they never change over a child's life. */
export function selectorLabels(relay: OutboxRelay, component: Component): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'kafka-outbox-relay',
    'app.kubernetes.io/instance': relay.metadata.name,
    'app.kubernetes.io/component': component,
  };
}

export function labels(relay: OutboxRelay, component: Component): Record<string, string> {
  return {
    ...selectorLabels(relay, component),
    'app.kubernetes.io/part-of': 'kafka-outbox-relay',
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller: true;
  blockOwnerDeletion: true;
}

export function ownerReference(relay: OutboxRelay): OwnerReference {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    name: relay.metadata.name,
    uid: relay.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}
