// The OutboxRelay controller: one reconcile per key, as a recipe. Read the resource (gone: stop) ->
// check the referenced Secrets -> build the desired children -> apply those the cache shows differing
// (server-side apply, one field manager) or delete those no longer wanted -> derive status from what was
// observed (the relays' reports included: publishing.ts) -> write it only if it changed, and requeue at the
// moment an unchanged backlog would become Stalled. A user error is reported on the resource and waits for a
// change; any other error is thrown for the worker, which retries it with backoff only if a retry can help
// (reconcile-worker.ts).
import type { Logger } from 'pino';
import { EventReason, Reason } from '../api/reasons.js';
import {
  API_VERSION,
  PLURAL,
  referencedSecrets,
  type OutboxRelay,
  type OutboxRelayStatus,
} from '../api/types.js';
import { FIELD_MANAGER, type OperatorConfig } from '../config.js';
import { KubeApiError, resourcePath, type KubeClient, type KubeObject } from '../kube/client.js';
import type { OperatorMetrics } from '../metrics.js';
import { desiredChildren, type DesiredChild } from '../render/children.js';
import { childName } from '../render/labels.js';
import type { Clock } from '../runtime/clock.js';
import { stampAppliedHash, upToDate } from './applied-hash.js';
import { transitionEvents, type RelayEvents } from './events.js';
import { evaluatePublishing } from './publishing.js';
import { deploymentView } from './readiness.js';
import { checkSecrets, type SecretLike } from './secrets-check.js';
import { deriveStatus, statusChanged, statusPatch } from './status.js';

/** What a reconcile asks of its worker: to come back after a delay though nothing changed. */
export interface ReconcileResult {
  requeueAfterMs?: number;
}

export interface Cache<T> {
  get(name: string, namespace?: string): T | undefined;
  list(namespace?: string): T[];
}

/** The API calls a reconcile makes (reads come from the informer caches). */
export type ControllerClient = Pick<KubeClient, 'apply' | 'mergePatch' | 'delete'>;

export interface ControllerDeps {
  client: ControllerClient;
  config: Pick<OperatorConfig, 'relayImage'>;
  clock: Clock;
  log: Logger;
  events: RelayEvents;
  metrics: OperatorMetrics;
  relays: Cache<OutboxRelay>;
  deployments: Cache<KubeObject>;
  cronjobs: Cache<KubeObject>;
  /** The relay pods' ServiceAccount, Role and RoleBinding (render/reporter-rbac.ts). */
  serviceAccounts: Cache<KubeObject>;
  roles: Cache<KubeObject>;
  roleBindings: Cache<KubeObject>;
  secrets: Cache<SecretLike>;
}

export function keyOf(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** The OutboxRelay that controls a child, if any. */
export function ownerKey(obj: KubeObject): string | undefined {
  const owner = obj.metadata?.ownerReferences?.find((o) => o.controller && o.apiVersion === API_VERSION);
  return owner && obj.metadata?.namespace ? keyOf(obj.metadata.namespace, owner.name) : undefined;
}

/** What a pass did to the children: the Deployment as it now stands, and a refusal to report. */
interface ChildrenOutcome {
  deployment: KubeObject | undefined;
  applyProblem?: { reason: string; message: string };
}

function childPath(relay: OutboxRelay, child: DesiredChild): string {
  return resourcePath(child.kind.apiVersion, child.kind.plural, relay.metadata.namespace, child.name);
}

export class OutboxRelayController {
  private readonly log: Logger;
  // Status we wrote, keyed by resource, with the resourceVersion it was written over: until the cache
  // catches up, the next pass compares against what we wrote rather than the stale cached status.
  private readonly written = new Map<string, { baseVersion: string; status: OutboxRelayStatus }>();
  private readonly generations = new Map<string, number>();

  constructor(private readonly d: ControllerDeps) {
    this.log = d.log.child({ component: 'outboxrelay-controller' });
  }

  /** Keys of the OutboxRelays in the Secret's namespace that reference it. */
  keysForSecret(secret: SecretLike): string[] {
    const ns = secret.metadata?.namespace;
    const name = secret.metadata?.name;
    if (!ns || !name) return [];
    return this.d.relays
      .list(ns)
      .filter((r) => referencedSecrets(r).some((ref) => ref.name === name))
      .map((r) => keyOf(ns, r.metadata.name));
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const [namespace, name] = key.split('/') as [string, string];
    const cached = this.d.relays.get(name, namespace);
    if (!cached || cached.metadata.deletionTimestamp) {
      this.written.delete(key);
      return {}; // gone: the garbage collector removes the children through their owner references
    }
    const relay = structuredClone(cached);
    const written = this.written.get(key);
    // The reports (status.databases) are the cache's: our write did not touch them.
    if (written && written.baseVersion === relay.metadata.resourceVersion) {
      relay.status = { ...relay.status, ...written.status };
    }
    const log = this.log.child({ outboxrelay: key, generation: relay.metadata.generation });

    const secrets = checkSecrets(relay, (n) => this.d.secrets.get(n, namespace));
    const paused = relay.spec.paused === true;
    let children: ChildrenOutcome = {
      deployment: this.d.deployments.get(childName(relay, 'relay'), namespace),
    };
    if (!secrets.ok) {
      log.info({ reason: secrets.reason }, secrets.message);
      this.d.events.record(relay, 'Warning', secrets.reason, 'Validate', secrets.message);
    } else if (!paused) {
      children = await this.syncChildren(relay, secrets.hash, children.deployment, log);
    }

    const nowMs = this.d.clock.now();
    const publishing = evaluatePublishing(relay, nowMs);
    const status = deriveStatus(
      relay,
      {
        secretProblem: secrets.ok ? undefined : { reason: secrets.reason, message: secrets.message },
        applyProblem: children.applyProblem,
        paused,
        deployment: deploymentView(children.deployment as Parameters<typeof deploymentView>[0]),
        publishing: publishing.condition,
      },
      new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    );
    if (statusChanged(relay.status, status)) await this.writeStatus(key, relay, status, log);
    return publishing.requeueAfterMs === undefined ? {} : { requeueAfterMs: publishing.requeueAfterMs };
  }

  /** The informer cache of a child's kind. */
  private cacheOf(child: DesiredChild): Cache<KubeObject> {
    const byPlural: Record<string, Cache<KubeObject>> = {
      deployments: this.d.deployments,
      cronjobs: this.d.cronjobs,
      serviceaccounts: this.d.serviceAccounts,
      roles: this.d.roles,
      rolebindings: this.d.roleBindings,
    };
    const cache = byPlural[child.kind.plural];
    if (!cache) throw new Error(`no cache of ${child.kind.plural}`);
    return cache;
  }

  /** Applies the children that differ from the cache and deletes those no longer wanted. */
  private async syncChildren(
    relay: OutboxRelay,
    secretHash: string,
    deployment: KubeObject | undefined,
    log: Logger,
  ): Promise<ChildrenOutcome> {
    const outcome: ChildrenOutcome = { deployment };
    const namespace = relay.metadata.namespace;
    for (const child of desiredChildren(relay, this.d.config, secretHash)) {
      const existing = this.cacheOf(child).get(child.name, namespace);
      if (!child.object) {
        await this.deleteChild(relay, child, existing, log);
        continue;
      }
      const stamped = stampAppliedHash(child.object);
      if (upToDate(stamped, existing)) continue; // the cached child already holds all of it
      const applied = await this.applyChild(relay, child, stamped, existing, log);
      if ('problem' in applied) outcome.applyProblem = applied.problem;
      else if (child.kind.kind === 'Deployment') outcome.deployment = applied.object;
    }
    return outcome;
  }

  /**
   * Server-side apply of one child. A child the API server refuses (a name too long, an admission policy,
   * a quota) is a user error, reported on the resource; it waits for a change, as a retry could not help.
   * Any other error is thrown for the worker (reconcile-worker.ts).
   */
  private async applyChild(
    relay: OutboxRelay,
    child: DesiredChild,
    object: Record<string, unknown>,
    existing: KubeObject | undefined,
    log: Logger,
  ): Promise<{ object: KubeObject } | { problem: { reason: string; message: string } }> {
    const path = childPath(relay, child);
    const what = `${child.kind.kind} ${child.name}`;
    try {
      const applied = await this.d.client.apply<KubeObject>(path, object, FIELD_MANAGER);
      this.noteApplied(relay, child.kind.kind, what, existing, applied, log);
      return { object: applied };
    } catch (err) {
      // A 403 is not the user's to fix but the operator's RBAC: it goes to the worker's log and error count.
      if (!(err instanceof KubeApiError) || err.retriable || err.statusCode === 403) throw err;
      const problem = { reason: Reason.ApplyFailed, message: `${what}: ${err.reason}: ${err.message}` };
      log.warn({ err }, 'apply refused');
      this.d.events.record(relay, 'Warning', EventReason.ApplyFailed, 'Apply', problem.message);
      return { problem };
    }
  }

  private async deleteChild(
    relay: OutboxRelay,
    child: DesiredChild,
    existing: KubeObject | undefined,
    log: Logger,
  ): Promise<void> {
    const key = keyOf(relay.metadata.namespace, relay.metadata.name);
    if (!existing || ownerKey(existing) !== key) return;
    const what = `${child.kind.kind} ${child.name}`;
    await this.d.client.delete(childPath(relay, child), existing.metadata?.uid);
    this.generations.delete(`${relay.metadata.namespace}/${what}`);
    this.d.metrics.childChanges.inc({ kind: child.kind.kind, action: 'delete' });
    log.info({ child: what }, 'deleted a child no longer wanted');
    this.d.events.record(relay, 'Normal', EventReason.ChildDeleted, 'Delete', `deleted ${what}`);
  }

  private async writeStatus(
    key: string,
    relay: OutboxRelay,
    status: OutboxRelayStatus,
    log: Logger,
  ): Promise<void> {
    const statusPath = `${resourcePath(API_VERSION, PLURAL, relay.metadata.namespace, relay.metadata.name)}/status`;
    // A merge patch of the operator's fields only: status.databases belongs to the relays' field managers.
    const updated = await this.d.client.mergePatch<OutboxRelay>(
      statusPath,
      statusPatch(status),
      FIELD_MANAGER,
    );
    this.written.set(key, { baseVersion: relay.metadata.resourceVersion ?? '', status });
    this.d.metrics.statusWrites.inc();
    for (const event of transitionEvents(relay.status?.conditions, status.conditions)) {
      log.info({ event: event.reason, note: event.note }, 'condition changed');
      this.d.events.record(relay, event.type, event.reason, 'UpdateStatus', event.note);
    }
    log.debug({ resourceVersion: updated.metadata?.resourceVersion }, 'status written');
  }

  private noteApplied(
    relay: OutboxRelay,
    kind: string,
    what: string,
    existing: KubeObject | undefined,
    applied: KubeObject,
    log: Logger,
  ): void {
    const id = `${relay.metadata.namespace}/${what}`;
    const previous = this.generations.get(id) ?? existing?.metadata?.generation;
    const now = applied.metadata?.generation;
    if (now !== undefined) this.generations.set(id, now);
    if (previous === now) return;
    const action = previous === undefined ? 'create' : 'update';
    this.d.metrics.childChanges.inc({ kind, action });
    log.info({ child: what, action }, 'applied a child');
    this.d.events.record(relay, 'Normal', EventReason.ChildApplied, 'Apply', `${action}d ${what}`);
  }
}
