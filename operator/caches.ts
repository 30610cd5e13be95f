// The operator's informer caches and what makes work of their events: OutboxRelays enqueue themselves,
// children their owner, Secrets the OutboxRelays that reference them. Only what can change a reconcile's
// outcome is work (controller/fingerprints.ts): our own status writes come back as OutboxRelay updates,
// and kube-controller-manager's status updates of the children mostly change nothing the OutboxRelay
// status reads.
import type { Logger } from 'pino';
import { API_VERSION, PLURAL, type OutboxRelay } from './api/types.js';
import {
  changeFilter,
  cronJobFingerprint,
  deploymentFingerprint,
  relayFingerprint,
} from './controller/fingerprints.js';
import { keyOf, ownerKey } from './controller/outboxrelay-controller.js';
import type { SecretLike } from './controller/secrets-check.js';
import { resourcePath, type KubeClient, type KubeConnection, type KubeObject } from './kube/client.js';
import { createInformer, type InformerEvent, type ResilientInformer } from './kube/informer.js';
import { MANAGED_BY } from './render/labels.js';
import type { Clock } from './runtime/clock.js';

export interface CacheDeps {
  kc: KubeConnection;
  client: KubeClient;
  clock: Clock;
  log: Logger;
  /** The namespace to watch; undefined watches all. */
  namespace: string | undefined;
  enqueue: (key: string) => void;
  /** The keys of the OutboxRelays that reference a Secret. */
  keysForSecret: (secret: SecretLike) => string[];
}

export interface OperatorCaches {
  relays: ResilientInformer<OutboxRelay & KubeObject>;
  deployments: ResilientInformer<KubeObject>;
  cronjobs: ResilientInformer<KubeObject>;
  secrets: ResilientInformer<SecretLike & KubeObject>;
  all: Array<ResilientInformer<KubeObject>>;
}

export function createCaches(d: CacheDeps): OperatorCaches {
  const common = { kc: d.kc, client: d.client, clock: d.clock, log: d.log };
  const relayIsWork = changeFilter(relayFingerprint);
  const relays = createInformer<OutboxRelay & KubeObject>({
    ...common,
    name: 'outboxrelays',
    path: resourcePath(API_VERSION, PLURAL, d.namespace),
    onEvent: (event, r) => {
      if (relayIsWork(event, r)) d.enqueue(keyOf(r.metadata.namespace, r.metadata.name));
    },
  });
  const enqueueOwner =
    (isWork: ReturnType<typeof changeFilter>) => (event: InformerEvent, obj: KubeObject) => {
      if (!isWork(event, obj)) return;
      const key = ownerKey(obj);
      if (key) d.enqueue(key);
    };
  const labelSelector = `app.kubernetes.io/managed-by=${MANAGED_BY}`;
  const deployments = createInformer<KubeObject>({
    ...common,
    name: 'deployments',
    path: resourcePath('apps/v1', 'deployments', d.namespace),
    labelSelector,
    onEvent: enqueueOwner(changeFilter(deploymentFingerprint)),
  });
  const cronjobs = createInformer<KubeObject>({
    ...common,
    name: 'cronjobs',
    path: resourcePath('batch/v1', 'cronjobs', d.namespace),
    labelSelector,
    onEvent: enqueueOwner(changeFilter(cronJobFingerprint)),
  });
  const secrets = createInformer<SecretLike & KubeObject>({
    ...common,
    name: 'secrets',
    path: resourcePath('v1', 'secrets', d.namespace),
    onEvent: (_e, s) => {
      for (const key of d.keysForSecret(s)) d.enqueue(key);
    },
  });
  return { relays, deployments, cronjobs, secrets, all: [relays, deployments, cronjobs, secrets] };
}
