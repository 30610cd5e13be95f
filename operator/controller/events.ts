// Events about an OutboxRelay: the domain's side of kube/events.ts, which knows an object only by
// reference. The controller records against the resource; this names it for the recorder.
import { API_VERSION, KIND, type OutboxRelay } from '../api/types.js';
import type { EventRecorder, ObjectReference } from '../kube/events.js';

export type EventType = 'Normal' | 'Warning';

export interface RelayEvents {
  record(relay: OutboxRelay, type: EventType, reason: string, action: string, note: string): void;
}

export function relayReference(relay: OutboxRelay): ObjectReference {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    name: relay.metadata.name,
    namespace: relay.metadata.namespace,
    uid: relay.metadata.uid,
  };
}

export function relayEvents(recorder: EventRecorder): RelayEvents {
  return {
    record: (relay, type, reason, action, note) =>
      recorder.record(relayReference(relay), type, reason, action, note),
  };
}
