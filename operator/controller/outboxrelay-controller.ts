// The OutboxRelay controller: one reconcile per key, as a recipe. Read the resource (gone: stop) ->
// check the referenced Secrets -> build the desired children -> apply those the cache shows differing
// (server-side apply, one field manager) or delete those no longer wanted -> derive status from what was
// observed -> write it only if it changed. A user error is reported and waits for a change; an API error is thrown for a backoff.
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
import type { EventRecorder } from '../kube/events.js';
import type { OperatorMetrics } from '../metrics.js';
import { desiredChildren } from '../render/children.js';
import { childName } from '../render/labels.js';
import type { Clock } from '../runtime/clock.js';
import { stampAppliedHash, upToDate } from './applied-hash.js';
import { findCondition } from './conditions.js';
import { deploymentView } from './readiness.js';
import { checkSecrets, type SecretLike } from './secrets-check.js';
import { deriveStatus, statusChanged } from './status.js';

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
  events: EventRecorder;
  metrics: OperatorMetrics;
  relays: Cache<OutboxRelay>;
  deployments: Cache<KubeObject>;
  cronjobs: Cache<KubeObject>;
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

  async reconcile(key: string): Promise<void> {
    const [namespace, name] = key.split('/') as [string, string];
    const cached = this.d.relays.get(name, namespace);
    if (!cached || cached.metadata.deletionTimestamp) {
      this.written.delete(key);
      return; // gone: the garbage collector removes the children through their owner references
    }
    const relay = structuredClone(cached);
    const written = this.written.get(key);
    if (written && written.baseVersion === relay.metadata.resourceVersion) relay.status = written.status;
    const log = this.log.child({ outboxrelay: key, generation: relay.metadata.generation });

    const secrets = checkSecrets(relay, (n) => this.d.secrets.get(n, namespace));
    const paused = relay.spec.paused === true;
    let applyProblem: { reason: string; message: string } | undefined;
    let deployment = this.d.deployments.get(childName(relay, 'relay'), namespace);

    if (!secrets.ok) {
      log.info({ reason: secrets.reason }, secrets.message);
      this.d.events.record(relay, 'Warning', secrets.reason, 'Validate', secrets.message);
    } else if (!paused) {
      for (const child of desiredChildren(relay, this.d.config, secrets.hash)) {
        const path = resourcePath(child.kind.apiVersion, child.kind.plural, namespace, child.name);
        const cache = child.kind.kind === 'Deployment' ? this.d.deployments : this.d.cronjobs;
        const existing = cache.get(child.name, namespace);
        const what = `${child.kind.kind} ${child.name}`;
        if (child.object) {
          const stamped = stampAppliedHash(child.object);
          if (upToDate(stamped, existing)) continue; // the cached child already holds all of it
          try {
            const applied = await this.d.client.apply<KubeObject>(path, stamped, FIELD_MANAGER);
            this.noteApplied(relay, child.kind.kind, what, existing, applied, log);
            if (child.kind.kind === 'Deployment') deployment = applied;
          } catch (err) {
            if (err instanceof KubeApiError && !err.retriable && err.statusCode !== 403) {
              // The API server refused what we built (for example a name too long): a user error.
              applyProblem = {
                reason: Reason.ApplyFailed,
                message: `${what}: ${err.reason}: ${err.message}`,
              };
              log.warn({ err }, 'apply refused');
              this.d.events.record(relay, 'Warning', EventReason.ApplyFailed, 'Apply', applyProblem.message);
              continue;
            }
            throw err;
          }
        } else if (existing && ownerKey(existing) === key) {
          await this.d.client.delete(path, existing.metadata?.uid);
          this.generations.delete(`${namespace}/${what}`);
          this.d.metrics.childChanges.inc({ kind: child.kind.kind, action: 'delete' });
          log.info({ child: what }, 'deleted a child no longer wanted');
          this.d.events.record(relay, 'Normal', EventReason.ChildDeleted, 'Delete', `deleted ${what}`);
        }
      }
    }

    const status = deriveStatus(
      relay,
      {
        secretProblem: secrets.ok ? undefined : { reason: secrets.reason, message: secrets.message },
        applyProblem,
        paused,
        deployment: deploymentView(deployment as Parameters<typeof deploymentView>[0]),
      },
      new Date(this.d.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    );
    if (!statusChanged(relay.status, status)) return;

    const statusPath = `${resourcePath(API_VERSION, PLURAL, namespace, name)}/status`;
    const updated = await this.d.client.mergePatch<OutboxRelay>(statusPath, { status }, FIELD_MANAGER);
    this.written.set(key, { baseVersion: relay.metadata.resourceVersion ?? '', status });
    this.d.metrics.statusWrites.inc();
    const before = findCondition(relay.status?.conditions, 'Ready');
    const after = findCondition(status.conditions, 'Ready');
    if (after && (before?.status !== after.status || before?.reason !== after.reason)) {
      log.info({ ready: after.status, reason: after.reason }, 'readiness changed');
      this.d.events.record(
        relay,
        after.status === 'True' ? 'Normal' : 'Warning',
        EventReason.ReadyChanged,
        'UpdateStatus',
        `Ready is ${after.status}: ${after.reason}: ${after.message}`,
      );
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
