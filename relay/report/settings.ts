// The settings of the status report, a block of the settings table (config/definitions.ts). The operator
// sets OUTBOX_RELAY_NAME, OUTBOX_RELAY_NAMESPACE and POD_NAME (downward API) on the relay's pods; without
// OUTBOX_RELAY_NAME the relay reports nothing (standalone use, as the Go relay). In a pod the API server,
// token and CA are the service account's; KUBE_API_URL, KUBE_TOKEN_FILE and KUBE_CA_FILE point a relay
// run outside the cluster at an API server and a token of its own.
import { hostname } from 'node:os';
import type { SettingValues } from '../config/parse.js';
import type { SettingDefinition, SettingRule } from '../config/setting-types.js';
import { ConfigError } from '../errors.js';

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export const REPORT_SETTINGS: readonly SettingDefinition[] = [
  {
    name: 'OUTBOX_RELAY_NAME',
    type: { kind: 'string', minLength: 1 },
    description:
      'The OutboxRelay whose status.databases this relay reports on (set by the operator); unset, the relay reports nothing.',
  },
  {
    name: 'OUTBOX_RELAY_NAMESPACE',
    type: { kind: 'string', minLength: 1 },
    description: "The OutboxRelay's namespace (with OUTBOX_RELAY_NAME).",
  },
  {
    name: 'POD_NAME',
    type: { kind: 'string', minLength: 1 },
    description:
      "This pod's name (downward API; default: the host name): the report's reportedBy, its field manager outbox-relay-<POD_NAME> and, while it reports, the start of its member names in the lease tables (shared mode).",
  },
  {
    name: 'KUBE_API_URL',
    type: { kind: 'url' },
    description:
      'The Kubernetes API server the report is written to (default: https://KUBERNETES_SERVICE_HOST:KUBERNETES_SERVICE_PORT, set in every pod).',
  },
  {
    name: 'KUBERNETES_SERVICE_HOST',
    type: { kind: 'string', minLength: 1 },
    description: "The API server's address, set by Kubernetes in every pod.",
  },
  {
    name: 'KUBERNETES_SERVICE_PORT',
    type: { kind: 'integer', minimum: 1, maximum: 65535 },
    default: '443',
    description: "The API server's port, set by Kubernetes in every pod.",
  },
  {
    name: 'KUBE_TOKEN_FILE',
    type: { kind: 'string', minLength: 1 },
    default: `${SERVICE_ACCOUNT_DIR}/token`,
    description:
      'The bearer token the report is written with, read again on each write (the kubelet rotates it).',
  },
  {
    name: 'KUBE_CA_FILE',
    type: { kind: 'string', minLength: 1 },
    default: `${SERVICE_ACCOUNT_DIR}/ca.crt`,
    description: "The CA of the API server's certificate.",
  },
];

export const REPORT_RULES: readonly SettingRule[] = [
  { kind: 'together', names: ['OUTBOX_RELAY_NAME', 'OUTBOX_RELAY_NAMESPACE'], commands: ['run'] },
];

export interface ReportConfig {
  name: string;
  namespace: string;
  podName: string;
  apiUrl: string;
  tokenFile: string;
  caFile: string;
}

/** The report's settings for `run`, or undefined when OUTBOX_RELAY_NAME is unset (no report). */
export function reportConfig(v: Readonly<SettingValues>, command: string): ReportConfig | undefined {
  const name = v.OUTBOX_RELAY_NAME as string | undefined;
  if (command !== 'run' || name === undefined) return undefined;
  let apiUrl = v.KUBE_API_URL as string | undefined;
  if (apiUrl === undefined) {
    const host = v.KUBERNETES_SERVICE_HOST as string | undefined;
    if (host === undefined) {
      throw new ConfigError(
        'KUBE_API_URL',
        'is required when OUTBOX_RELAY_NAME is set outside a pod (KUBERNETES_SERVICE_HOST is unset)',
      );
    }
    apiUrl = `https://${host.includes(':') ? `[${host}]` : host}:${v.KUBERNETES_SERVICE_PORT as number}`;
  }
  return {
    name,
    namespace: v.OUTBOX_RELAY_NAMESPACE as string,
    podName: (v.POD_NAME as string | undefined) ?? hostname(),
    apiUrl,
    tokenFile: v.KUBE_TOKEN_FILE as string,
    caFile: v.KUBE_CA_FILE as string,
  };
}
