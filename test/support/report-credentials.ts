// A relay process outside the cluster reporting on its OutboxRelay as a pod would: with a token (TokenRequest
// API) of the ServiceAccount the operator renders, bound to the Role it renders
// (operator/render/reporter-rbac.ts), applied here exactly as built.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { OutboxRelay } from '../../operator/api/types.js';
import {
  desiredRole,
  desiredRoleBinding,
  desiredServiceAccount,
  reporterName,
} from '../../operator/render/reporter-rbac.js';
import { tokenKubeconfig } from './operator.js';
import { kubectl } from './servers.js';

export interface ReportCredentials {
  server: string;
  tokenFile: string;
  caFile: string;
  kubeconfig: string;
}

/** An OutboxRelay of `name`, with the spec a relay's report does not read. */
export const outboxRelay = (name: string): string =>
  JSON.stringify({
    apiVersion: 'outbox.kafka-relay.dev/v1alpha1',
    kind: 'OutboxRelay',
    metadata: { name },
    spec: { database: { secretRef: { name: `${name}-db` } }, kafka: { brokers: ['kafka-0.kafka:9092'] } },
  });

/**
 * The OutboxRelay, and its ServiceAccount, Role and RoleBinding exactly as the operator renders them; the
 * token and the API server's CA written to files in `dir`.
 */
export async function reportingRelay(
  namespace: string,
  name: string,
  dir: string,
): Promise<ReportCredentials> {
  await kubectl(['apply', '-n', namespace, '-f', '-'], outboxRelay(name));
  const live = JSON.parse(
    await kubectl(['get', 'outboxrelay', name, '-n', namespace, '-o', 'json']),
  ) as OutboxRelay;
  const children = [desiredServiceAccount(live), desiredRole(live), desiredRoleBinding(live)];
  await kubectl(
    ['apply', '-n', namespace, '-f', '-'],
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items: children }),
  );
  const kubeconfig = await tokenKubeconfig(reporterName(live), namespace, '1h');
  const config = JSON.parse(readFileSync(kubeconfig, 'utf8')) as {
    clusters: Array<{ cluster: { server: string; 'certificate-authority-data': string } }>;
    users: Array<{ user: { token: string } }>;
  };
  const tokenFile = path.join(dir, `${name}.token`);
  const caFile = path.join(dir, `${name}.ca.crt`);
  writeFileSync(tokenFile, config.users[0]!.user.token, { mode: 0o600 });
  writeFileSync(caFile, Buffer.from(config.clusters[0]!.cluster['certificate-authority-data'], 'base64'));
  return { server: config.clusters[0]!.cluster.server, tokenFile, caFile, kubeconfig };
}

/** The report's settings of a relay process playing pod `pod` of OutboxRelay namespace/name. */
export const reportEnv = (namespace: string, name: string, pod: string, c: ReportCredentials) => ({
  OUTBOX_RELAY_NAME: name,
  OUTBOX_RELAY_NAMESPACE: namespace,
  POD_NAME: pod,
  KUBE_API_URL: c.server,
  KUBE_TOKEN_FILE: c.tokenFile,
  KUBE_CA_FILE: c.caFile,
});
