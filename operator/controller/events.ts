// Events about an OutboxRelay: the domain's side of kube/events.ts, which knows an object only by
// reference. The controller records against the resource; this names it for the recorder.
import { ConditionType, EventReason } from '../api/reasons.js';
import { API_VERSION, KIND, type Condition, type OutboxRelay } from '../api/types.js';
import type { EventRecorder, ObjectReference } from '../kube/events.js';
import { findCondition } from './conditions.js';

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

export interface TransitionEvent {
  type: EventType;
  reason: string;
  note: string;
}

/** The conditions whose transitions are recorded as Events, with the Event's reason. */
const RECORDED: ReadonlyArray<[string, string]> = [
  [ConditionType.Ready, EventReason.ReadyChanged],
  [ConditionType.Publishing, EventReason.PublishingChanged],
];

/**
 * One Event per recorded condition whose status changed between two statuses, or whose reason changed
 * while it is not True (one failure giving way to another). A new reason of a True condition (Publishing
 * between Idle and Publishing, as a busy relay's backlog empties and fills) and a new message alone are
 * not transitions: at 1,000 OutboxRelays reporting every 10 s, Idle and Publishing alone made 1,073 Events
 * a minute (bench/RESULTS.md). Warning when it became False; Normal when it
 * became True or Unknown (Publishing is Unknown while no relay has reported yet, as every new resource is).
 */
export function transitionEvents(
  before: readonly Condition[] | undefined,
  after: readonly Condition[] | undefined,
): TransitionEvent[] {
  const events: TransitionEvent[] = [];
  for (const [conditionType, reason] of RECORDED) {
    const was = findCondition(before, conditionType);
    const now = findCondition(after, conditionType);
    if (!now || (was?.status === now.status && (now.status === 'True' || was.reason === now.reason)))
      continue;
    events.push({
      type: now.status === 'False' ? 'Warning' : 'Normal',
      reason,
      note: `${conditionType} is ${now.status}: ${now.reason}: ${now.message}`,
    });
  }
  return events;
}
