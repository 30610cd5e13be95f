// What lets the relay report on its own OutboxRelay (relay/report/reporting.ts says why the relay writes the
// report itself): a ServiceAccount for the relay Deployment's pods, a Role allowing only get and patch of
// this one OutboxRelay's status subresource (resourceNames), and the RoleBinding between them. A relay pod
// can thereby change nothing but its own resource's status: not another OutboxRelay's, not a Secret, not
// its spec. The CronJobs get no token at all. When spec.relay.serviceAccountName names the user's own
// ServiceAccount, the pods keep it: the Role is bound to it and no ServiceAccount is made.
import { GROUP, PLURAL, type OutboxRelay } from '../api/types.js';
import { childName, labels, ownerReference } from './labels.js';

const RBAC = 'rbac.authorization.k8s.io';

/** One name for the three (`<name>-reporter`). */
export function reporterName(relay: OutboxRelay): string {
  return childName(relay, 'reporter');
}

/** The ServiceAccount the relay Deployment's pods run as. */
export function relayServiceAccountName(relay: OutboxRelay): string {
  return relay.spec.relay?.serviceAccountName ?? reporterName(relay);
}

function metadata(relay: OutboxRelay): Record<string, unknown> {
  return {
    name: reporterName(relay),
    namespace: relay.metadata.namespace,
    labels: labels(relay, 'reporter'),
    ownerReferences: [ownerReference(relay)],
  };
}

/** undefined when the user names a ServiceAccount of their own. */
export function desiredServiceAccount(relay: OutboxRelay): Record<string, unknown> | undefined {
  if (relay.spec.relay?.serviceAccountName) return undefined;
  // The pod spec mounts the token (automountServiceAccountToken there), not every pod using the account.
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: metadata(relay),
    automountServiceAccountToken: false,
  };
}

export function desiredRole(relay: OutboxRelay): Record<string, unknown> {
  return {
    apiVersion: `${RBAC}/v1`,
    kind: 'Role',
    metadata: metadata(relay),
    rules: [
      {
        apiGroups: [GROUP],
        resources: [`${PLURAL}/status`],
        resourceNames: [relay.metadata.name],
        verbs: ['get', 'patch'],
      },
    ],
  };
}

export function desiredRoleBinding(relay: OutboxRelay): Record<string, unknown> {
  return {
    apiVersion: `${RBAC}/v1`,
    kind: 'RoleBinding',
    metadata: metadata(relay),
    roleRef: { apiGroup: RBAC, kind: 'Role', name: reporterName(relay) },
    subjects: [
      { kind: 'ServiceAccount', name: relayServiceAccountName(relay), namespace: relay.metadata.namespace },
    ],
  };
}
