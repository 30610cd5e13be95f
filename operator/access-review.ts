// What the operator may do, asked of the API server itself (SelfSubjectAccessReview, which every
// authenticated user may create), so that choosing how to read Secrets (secret-watches.ts) never makes a
// request the API server refuses.
import type { KubeClient } from './kube/client.js';

interface AccessReview {
  status?: { allowed?: boolean };
}

async function allowed(client: Pick<KubeClient, 'create'>, verb: string, namespace: string | undefined) {
  const review = await client.create<AccessReview>(
    '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: { verb, resource: 'secrets', ...(namespace ? { namespace } : {}) } },
    },
    'outbox-relay-operator',
  );
  return review.status?.allowed === true;
}

/** Whether the operator may list and watch every Secret of the namespace (undefined: of the cluster). */
export async function canListSecrets(
  client: Pick<KubeClient, 'create'>,
  namespace: string | undefined,
): Promise<boolean> {
  const [list, watch] = await Promise.all([
    allowed(client, 'list', namespace),
    allowed(client, 'watch', namespace),
  ]);
  return list && watch;
}
