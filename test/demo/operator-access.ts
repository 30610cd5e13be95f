// What the demo's operator runs as: a ServiceAccount bound to exactly config/rbac's roles in the demo
// namespace, applied idempotently so the demo can run again and again.
import { repoFile, tokenKubeconfig } from '../support/operator.js';
import { kubectl } from '../support/servers.js';

export const OPERATOR_SA = 'outbox-relay-operator';

export function applyJson(objects: unknown[], namespace?: string): Promise<string> {
  const args = ['apply', '--server-side', '--force-conflicts', '--field-manager=outbox-demo', '-f', '-'];
  return kubectl(
    namespace ? [...args, '-n', namespace] : args,
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
  );
}

/** A ServiceAccount bound to exactly config/rbac's roles in the namespace, and a kubeconfig with its token. */
export async function operatorKubeconfig(namespace: string): Promise<string> {
  await kubectl(
    ['apply', '--server-side', '--force-conflicts', '--field-manager=outbox-demo', '-f', '-'],
    repoFile('config/rbac/role.yaml'),
  );
  await kubectl(['apply', '-n', namespace, '-f', '-'], repoFile('config/rbac/leader_election_role.yaml'));
  const binding = (name: string, kind: string, role: string) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name, namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name: role },
    subjects: [{ kind: 'ServiceAccount', name: OPERATOR_SA, namespace }],
  });
  await applyJson(
    [
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: OPERATOR_SA, namespace } },
      binding('outbox-relay-operator', 'ClusterRole', 'outbox-relay-operator'),
      binding('outbox-relay-operator-leader-election', 'Role', 'outbox-relay-operator-leader-election'),
    ],
    namespace,
  );
  return tokenKubeconfig(OPERATOR_SA, namespace, '1h');
}
