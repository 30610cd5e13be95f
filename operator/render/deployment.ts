// The relay Deployment: a pure function of the resource, the operator's config and the hash of the
// referenced Secrets' data (which, on the pod template, rolls the pods when a Secret changes).
import type { OutboxRelay } from '../api/types.js';
import type { OperatorConfig } from '../config.js';
import { childName, labels, ownerReference, SECRET_HASH_ANNOTATION, selectorLabels } from './labels.js';
import {
  containerBase,
  HTTP_PORT,
  podAnnotations,
  podPlacement,
  podSecurityContext,
  tmpVolume,
} from './pod.js';
import { runEnv, shutdownTimeoutMs } from './relay-env.js';
import { relayServiceAccountName } from './reporter-rbac.js';
import { databaseSecretFiles, kafkaSecretFiles, secretMounts, secretVolumes } from './secret-files.js';

// Beyond the relay's own drain: the endpoints controller and kube-proxy need a few seconds to stop
// sending traffic, and node needs a moment to exit after the drain.
const GRACE_MARGIN_SECONDS = 7;

export function terminationGracePeriodSeconds(relay: OutboxRelay): number {
  return Math.ceil(shutdownTimeoutMs(relay) / 1000) + GRACE_MARGIN_SECONDS;
}

export function desiredDeployment(
  relay: OutboxRelay,
  config: Pick<OperatorConfig, 'relayImage'>,
  secretHash: string,
): Record<string, unknown> {
  const r = relay.spec.relay ?? {};
  const files = [...databaseSecretFiles(relay), ...kafkaSecretFiles(relay)];
  const container = {
    ...containerBase(relay, config, ['run'], runEnv(relay), secretMounts(files)),
    ports: [{ name: 'http', containerPort: HTTP_PORT, protocol: 'TCP' }],
    // /livez fails only when the relay's own loop has stopped moving (relay/engine/liveness.ts): a database
    // or Kafka outage makes the pod unready (/readyz), never restarts it, since a restart cannot fix it.
    livenessProbe: {
      httpGet: { path: '/livez', port: 'http' },
      periodSeconds: 10,
      timeoutSeconds: 3,
      failureThreshold: 3,
    },
    readinessProbe: {
      httpGet: { path: '/readyz', port: 'http' },
      periodSeconds: 5,
      timeoutSeconds: 3,
      failureThreshold: 2,
    },
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: childName(relay, 'relay'),
      namespace: relay.metadata.namespace,
      labels: labels(relay, 'relay'),
      ownerReferences: [ownerReference(relay)],
    },
    spec: {
      replicas: r.replicas ?? 1,
      selector: { matchLabels: selectorLabels(relay, 'relay') },
      template: {
        metadata: {
          labels: labels(relay, 'relay'),
          annotations: podAnnotations(relay, { [SECRET_HASH_ANNOTATION]: secretHash }),
        },
        spec: {
          ...podPlacement(relay),
          // The token lets the relay patch its own OutboxRelay's status and nothing else (reporter-rbac.ts).
          serviceAccountName: relayServiceAccountName(relay),
          automountServiceAccountToken: true,
          securityContext: podSecurityContext(),
          terminationGracePeriodSeconds: terminationGracePeriodSeconds(relay),
          containers: [container],
          volumes: [tmpVolume(), ...secretVolumes(files)],
        },
      },
    },
  };
}
