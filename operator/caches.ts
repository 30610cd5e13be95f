// The operator's informer caches and what makes work of their events: OutboxRelays enqueue themselves,
// children their owner, Secrets the OutboxRelays that reference them. Only what can change a reconcile's
// outcome is work (controller/fingerprints.ts): our own status writes come back as OutboxRelay updates,
// and kube-controller-manager's status updates of the children mostly change nothing the OutboxRelay
// status reads. Collections are watched per namespace when the operator watches a list of them
// (kube/namespaced-informers.ts); Secrets one by one, only those referenced (secret-watches.ts), and an
// OutboxRelay is not work until each of its Secrets has been read, so that a reconcile never takes a
// Secret not read yet for one that does not exist.
import type { Logger } from 'pino';
import { API_VERSION, PLURAL, referencedSecrets, type OutboxRelay } from './api/types.js';
import {
  changeFilter,
  cronJobFingerprint,
  deploymentFingerprint,
  relayFingerprint,
  roleBindingFingerprint,
  roleFingerprint,
  serviceAccountFingerprint,
} from './controller/fingerprints.js';
import { keyOf, ownerKey } from './controller/outboxrelay-controller.js';
import { resourcePath, type KubeClient, type KubeConnection, type KubeObject } from './kube/client.js';
import {
  createInformer,
  type InformerEvent,
  type InformerOptions,
  type ResilientInformer,
} from './kube/informer.js';
import { perNamespace } from './kube/namespaced-informers.js';
import { MANAGED_BY } from './render/labels.js';
import type { Clock } from './runtime/clock.js';
import { SecretWatches } from './secret-watches.js';

export interface CacheDeps {
  kc: KubeConnection;
  client: KubeClient;
  clock: Clock;
  log: Logger;
  /** The namespaces to watch; undefined watches all. */
  namespaces: readonly string[] | undefined;
  enqueue: (key: string) => void;
  /** Each failure of a watch (a refusal is counted). */
  onWatchFailure?: (err: unknown) => void;
  /** Whether the operator may list and watch Secrets in a namespace (undefined: the cluster). */
  canListSecrets?: (namespace: string | undefined) => Promise<boolean>;
}

export interface OperatorCaches {
  relays: ResilientInformer<OutboxRelay & KubeObject>;
  deployments: ResilientInformer<KubeObject>;
  cronjobs: ResilientInformer<KubeObject>;
  /** The relay pods' ServiceAccount, Role and RoleBinding (render/reporter-rbac.ts). */
  serviceAccounts: ResilientInformer<KubeObject>;
  roles: ResilientInformer<KubeObject>;
  roleBindings: ResilientInformer<KubeObject>;
  secrets: SecretWatches;
  /** The informers of whole collections (Secrets are watched one by one, in `secrets`). */
  all: Array<ResilientInformer<KubeObject>>;
  /** Starts the collections, then the watches of the Secrets the OutboxRelays listed reference. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

type CollectionOptions<T extends KubeObject> = Pick<
  InformerOptions<T>,
  'name' | 'labelSelector' | 'onEvent'
> & { apiVersion: string; plural: string };

/** One informer of a collection in every watched namespace (or in all of them). */
function collection<T extends KubeObject>(d: CacheDeps, o: CollectionOptions<T>): ResilientInformer<T> {
  return perNamespace(o.name, d.namespaces, (namespace) =>
    createInformer<T>({
      ...{ kc: d.kc, client: d.client, clock: d.clock, log: d.log },
      ...{ name: o.name, labelSelector: o.labelSelector, onEvent: o.onEvent },
      path: resourcePath(o.apiVersion, o.plural, namespace),
      onFailure: d.onWatchFailure,
    }),
  );
}

const RBAC = 'rbac.authorization.k8s.io/v1';

/** The children's collections, by plural: each enqueues its owner when what the status reads changed. */
const CHILD_KINDS = {
  deployments: { apiVersion: 'apps/v1', fingerprint: deploymentFingerprint },
  cronjobs: { apiVersion: 'batch/v1', fingerprint: cronJobFingerprint },
  serviceaccounts: { apiVersion: 'v1', fingerprint: serviceAccountFingerprint },
  roles: { apiVersion: RBAC, fingerprint: roleFingerprint },
  rolebindings: { apiVersion: RBAC, fingerprint: roleBindingFingerprint },
} as const;

/** The watches of the referenced Secrets: a Secret read or changed is work for the OutboxRelays using it. */
function secretWatches(d: CacheDeps, enqueue: (key: string) => void): SecretWatches {
  const secrets: SecretWatches = new SecretWatches({
    ...{ kc: d.kc, client: d.client, clock: d.clock, log: d.log },
    namespaces: d.namespaces,
    canListSecrets: d.canListSecrets,
    onSecret: (s) => {
      const { namespace, name } = s.metadata ?? {};
      if (namespace && name) for (const key of secrets.relaysOf(namespace, name)) enqueue(key);
    },
    onSettled: (namespace, name) => {
      for (const key of secrets.relaysOf(namespace, name)) enqueue(key);
    },
    onFailure: d.onWatchFailure,
  });
  return secrets;
}

/** The OutboxRelays: each tells the Secret watches what it references, and is work when it changed. */
function relayCollection(
  d: CacheDeps,
  secrets: SecretWatches,
  enqueue: (key: string) => void,
): ResilientInformer<OutboxRelay & KubeObject> {
  const relayIsWork = changeFilter(relayFingerprint);
  return collection<OutboxRelay & KubeObject>(d, {
    name: 'outboxrelays',
    ...{ apiVersion: API_VERSION, plural: PLURAL },
    onEvent: (event, r) => {
      const key = keyOf(r.metadata.namespace, r.metadata.name);
      const names = event === 'delete' ? [] : referencedSecrets(r).map((ref) => ref.name);
      secrets.track(key, r.metadata.namespace, names);
      if (relayIsWork(event, r)) enqueue(key);
    },
  });
}

function childCollection(
  d: CacheDeps,
  plural: keyof typeof CHILD_KINDS,
  enqueue: (key: string) => void,
): ResilientInformer<KubeObject> {
  const { apiVersion, fingerprint } = CHILD_KINDS[plural];
  const isWork = changeFilter(fingerprint);
  return collection<KubeObject>(d, {
    name: plural,
    ...{ apiVersion, plural },
    labelSelector: `app.kubernetes.io/managed-by=${MANAGED_BY}`,
    onEvent: (event: InformerEvent, obj: KubeObject) => {
      if (!isWork(event, obj)) return;
      const key = ownerKey(obj);
      if (key) enqueue(key);
    },
  });
}

export function createCaches(d: CacheDeps): OperatorCaches {
  // Work for an OutboxRelay waits until its Secrets are listed; their listing enqueues it then.
  const enqueue = (key: string) => {
    if (secrets.settled(key)) d.enqueue(key);
  };
  const secrets = secretWatches(d, enqueue);
  const relays = relayCollection(d, secrets, enqueue);
  const child = (plural: keyof typeof CHILD_KINDS) => childCollection(d, plural, enqueue);
  const deployments = child('deployments');
  const cronjobs = child('cronjobs');
  const serviceAccounts = child('serviceaccounts');
  const roles = child('roles');
  const roleBindings = child('rolebindings');
  const children = [deployments, cronjobs, serviceAccounts, roles, roleBindings];
  const all = [relays, ...children] as Array<ResilientInformer<KubeObject>>;
  return {
    ...{ relays, deployments, cronjobs, serviceAccounts, roles, roleBindings, secrets, all },
    async start() {
      await Promise.all(all.map((i) => i.start()));
      await secrets.start();
    },
    async stop() {
      await Promise.all([...all.map((i) => i.stop()), secrets.stop()]);
    },
  };
}
