// Events (events.k8s.io/v1) about an OutboxRelay: Warning for failures, Normal for changes. The same
// event is not repeated within a few minutes, so a resource stuck on one error does not flood the API.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { API_VERSION, KIND, type OutboxRelay } from '../api/types.js';
import type { Clock } from '../runtime/clock.js';
import { microTime, resourcePath, type KubeClient } from './client.js';

export interface EventRecorder {
  record(relay: OutboxRelay, type: 'Normal' | 'Warning', reason: string, action: string, note: string): void;
}

const REPEAT_AFTER_MS = 5 * 60_000;

export function createEventRecorder(deps: {
  client: KubeClient;
  clock: Clock;
  log: Logger;
  identity: string;
  fieldManager: string;
}): EventRecorder {
  const log = deps.log.child({ component: 'events' });
  const recent = new Map<string, number>();
  return {
    record(relay, type, reason, action, note) {
      const key = `${relay.metadata.namespace}/${relay.metadata.name}/${type}/${reason}/${note}`;
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
          name: `${relay.metadata.name}.${now.toString(16)}${randomBytes(4).toString('hex')}`,
          namespace: relay.metadata.namespace,
        },
        eventTime: microTime(now),
        reportingController: 'outbox.kafka-relay.dev/operator',
        reportingInstance: deps.identity.slice(0, 128),
        action,
        reason,
        type,
        note: note.slice(0, 1024),
        regarding: {
          apiVersion: API_VERSION,
          kind: KIND,
          name: relay.metadata.name,
          namespace: relay.metadata.namespace,
          uid: relay.metadata.uid,
        },
      };
      deps.client
        .create(
          resourcePath('events.k8s.io/v1', 'events', relay.metadata.namespace),
          event,
          deps.fieldManager,
        )
        .catch((err: unknown) => log.warn({ err, reason }, 'could not record an event'));
    },
  };
}
