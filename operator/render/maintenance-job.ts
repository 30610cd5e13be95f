// The shared shape of the maintenance CronJobs (cleanup, optimize): never two runs at once, short
// history, the relay image in the given mode. A job's pod reads the Secrets when it starts, so unlike the
// Deployment it needs no Secret hash.
import type { OutboxRelay } from '../api/types.js';
import type { OperatorConfig } from '../config.js';
import { childName, labels, ownerReference, type Component } from './labels.js';
import { containerBase, podAnnotations, podPlacement, podSecurityContext, tmpVolume } from './pod.js';
import { maintenanceEnv } from './relay-env.js';
import { databaseSecretFiles, secretMounts, secretVolumes } from './secret-files.js';

export function maintenanceCronJob(
  relay: OutboxRelay,
  config: Pick<OperatorConfig, 'relayImage'>,
  mode: Extract<Component, 'cleanup' | 'optimize'>,
  schedule: string,
): Record<string, unknown> {
  // Only the database's TLS files: a maintenance job never talks to Kafka.
  const files = databaseSecretFiles(relay);
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: {
      name: childName(relay, mode),
      namespace: relay.metadata.namespace,
      labels: labels(relay, mode),
      ownerReferences: [ownerReference(relay)],
    },
    spec: {
      schedule,
      concurrencyPolicy: 'Forbid',
      // A run missed by more than this is skipped rather than started late on top of the next one.
      startingDeadlineSeconds: 300,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        metadata: { labels: labels(relay, mode) },
        spec: {
          backoffLimit: 2,
          template: {
            metadata: {
              labels: labels(relay, mode),
              annotations: podAnnotations(relay),
            },
            spec: {
              ...podPlacement(relay),
              restartPolicy: 'Never',
              automountServiceAccountToken: false,
              securityContext: podSecurityContext(),
              containers: [
                containerBase(relay, config, [mode], maintenanceEnv(relay, mode), secretMounts(files)),
              ],
              volumes: [tmpVolume(), ...secretVolumes(files)],
            },
          },
        },
      },
    },
  };
}
