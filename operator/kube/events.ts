// Events (events.k8s.io/v1) about an object: Warning for failures, Normal for changes. The same event is
// not repeated within a few minutes, so an object stuck on one error does not flood the API. The recorder
// knows objects only by reference; the domain says which object and who reports (controller/events.ts).
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../runtime/clock.js';
import { microTime, resourcePath, type KubeClient } from './client.js';

/** The object an event is about: the fields of an ObjectReference that events.k8s.io/v1 regarding takes. */
export interface ObjectReference {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  uid?: string;
}

export interface EventRecorder {
  record(
    regarding: ObjectReference,
    type: 'Normal' | 'Warning',
    reason: string,
    action: string,
    note: string,
  ): void;
}

const REPEAT_AFTER_MS = 5 * 60_000;

export function createEventRecorder(deps: {
  client: KubeClient;
  clock: Clock;
  log: Logger;
  /** The controller reporting, as events.k8s.io names it ("example.com/my-controller"). */
  reportingController: string;
  identity: string;
  fieldManager: string;
}): EventRecorder {
  const log = deps.log.child({ component: 'events' });
  const recent = new Map<string, number>();
  return {
    record(regarding, type, reason, action, note) {
      const key = `${regarding.kind}/${regarding.namespace}/${regarding.name}/${type}/${reason}/${note}`;
      const now = deps.clock.now();
      const last = recent.get(key);
      if (last !== undefined && now - last < REPEAT_AFTER_MS) return;
      recent.set(key, now);
      if (recent.size > 5000) recent.clear();
      const event = {
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        // Named as kubelet and client-go name theirs: the object's name, a dot, a unique suffix.
        metadata: {
          name: `${regarding.name}.${now.toString(16)}${randomBytes(4).toString('hex')}`,
          namespace: regarding.namespace,
        },
        eventTime: microTime(now),
        reportingController: deps.reportingController,
        reportingInstance: deps.identity.slice(0, 128),
        action,
        reason,
        type,
        note: note.slice(0, 1024),
        regarding: {
          apiVersion: regarding.apiVersion,
          kind: regarding.kind,
          name: regarding.name,
          namespace: regarding.namespace,
          uid: regarding.uid,
        },
      };
      deps.client
        .create(resourcePath('events.k8s.io/v1', 'events', regarding.namespace), event, deps.fieldManager)
        .catch((err: unknown) => log.warn({ err, reason }, 'could not record an event'));
    },
  };
}
