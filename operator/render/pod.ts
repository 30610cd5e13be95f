// What every pod the operator creates shares: restricted pod security, scheduling and pull settings
// from spec.relay, and a writable /tmp (the root filesystem is read-only).
import type { OutboxRelay } from '../api/types.js';
import type { OperatorConfig } from '../config.js';

// The relay image runs as this user (Dockerfile.relay); stating it keeps runAsNonRoot verifiable.
export const RELAY_UID = 65532;
export const HTTP_PORT = 8080;
export const CONTAINER_NAME = 'relay';

export function podSecurityContext(): Record<string, unknown> {
  return {
    runAsNonRoot: true,
    runAsUser: RELAY_UID,
    runAsGroup: RELAY_UID,
    // Secret volumes' files are root-owned; with fsGroup the kubelet makes them group-owned by the relay's
    // group and group-readable (mode 0400 becomes 0440), so the relay can read its mounted key material.
    fsGroup: RELAY_UID,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export function containerSecurityContext(): Record<string, unknown> {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    privileged: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export function relayImage(relay: OutboxRelay, config: Pick<OperatorConfig, 'relayImage'>): string {
  return relay.spec.relay?.image ?? config.relayImage;
}

/** Pod spec fields from spec.relay, only those that are set (server-side apply owns what we send). */
export function podPlacement(relay: OutboxRelay): Record<string, unknown> {
  const r = relay.spec.relay ?? {};
  const out: Record<string, unknown> = {};
  if (r.serviceAccountName) out.serviceAccountName = r.serviceAccountName;
  if (r.nodeSelector && Object.keys(r.nodeSelector).length > 0) out.nodeSelector = { ...r.nodeSelector };
  if (r.tolerations && r.tolerations.length > 0) out.tolerations = r.tolerations.map((t) => ({ ...t }));
  if (r.affinity && Object.keys(r.affinity).length > 0) out.affinity = structuredClone(r.affinity);
  if (r.imagePullSecrets && r.imagePullSecrets.length > 0) {
    out.imagePullSecrets = r.imagePullSecrets.map((s) => ({ name: s.name }));
  }
  return out;
}

export function containerBase(
  relay: OutboxRelay,
  config: Pick<OperatorConfig, 'relayImage'>,
  args: string[],
  env: unknown[],
  mounts: Array<Record<string, unknown>> = [],
): Record<string, unknown> {
  const r = relay.spec.relay ?? {};
  const container: Record<string, unknown> = {
    name: CONTAINER_NAME,
    image: relayImage(relay, config),
    args,
    env,
    securityContext: containerSecurityContext(),
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, ...mounts],
  };
  if (r.imagePullPolicy) container.imagePullPolicy = r.imagePullPolicy;
  if (r.resources && (r.resources.limits || r.resources.requests)) {
    container.resources = structuredClone(r.resources);
  }
  return container;
}

export function tmpVolume(): Record<string, unknown> {
  return { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } };
}

export function podAnnotations(
  relay: OutboxRelay,
  extra: Record<string, string> = {},
): Record<string, string> {
  return { ...(relay.spec.relay?.podAnnotations ?? {}), ...extra };
}
