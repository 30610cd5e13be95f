// Playing a relay pod's part of the status contract in tests: a report is a server-side apply of
// status.databases on the status subresource under the pod's own field manager (outbox-relay-<pod>), as
// the relay's reporter sends it: one APPLY request (kubectl apply --server-side sends extra PATCH requests
// of its own, which the API server's write counters would count). The API server merges the entries of
// all managers by database name.
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient, resourcePath } from '../../operator/kube/client.js';
import { devenv } from './servers.js';

let client: KubeClient | undefined;

function adminClient(): KubeClient {
  if (!client) {
    const kc = new KubeConfig();
    kc.loadFromFile(devenv().KUBECONFIG as string);
    client = new KubeClient(kc);
  }
  return client;
}

export interface DatabaseReport {
  name: string;
  pending: number;
  errored: number;
  oldestPendingTime?: string;
  lastPublishedTime?: string;
  heldTopics?: Array<{ topic: string; reason: string; since: string }>;
  kafka: { state: string; message?: string };
  database: { state: string; message?: string };
  reportedBy: string;
}

/** A healthy entry for a database, reported by `pod`, with the given changes. */
export function databaseReport(
  name: string,
  pod: string,
  change: Partial<DatabaseReport> = {},
): DatabaseReport {
  return {
    name,
    pending: 0,
    errored: 0,
    kafka: { state: 'Available' },
    database: { state: 'Available' },
    reportedBy: pod,
    ...change,
  };
}

/** The body the relay applies: its OutboxRelay with only status.databases. */
export function reportBody(namespace: string, name: string, databases: unknown[]): string {
  return JSON.stringify({
    apiVersion: 'outbox.kafka-relay.dev/v1alpha1',
    kind: 'OutboxRelay',
    metadata: { name, namespace },
    status: { databases },
  });
}

/** Applies `databases` as pod `pod`'s report on OutboxRelay namespace/name (forced, as the relay does). */
export async function applyReport(
  namespace: string,
  name: string,
  pod: string,
  databases: unknown[],
): Promise<void> {
  const path = `${resourcePath('outbox.kafka-relay.dev/v1alpha1', 'outboxrelays', namespace, name)}/status`;
  await adminClient().apply(path, JSON.parse(reportBody(namespace, name, databases)), `outbox-relay-${pod}`);
}

/** An RFC 3339 time, in whole seconds, `ageMs` before now. */
export function timeAgo(ageMs: number, now = Date.now()): string {
  return new Date(now - ageMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
