// What the suites on the real node share: the node's selector and toleration (kwok's node takes every pod
// that has neither), the images built by BuildKit and loaded into the node's containerd (there is no
// registry), the addresses pods reach the local servers at (the devenv bridge's gateway), and waits on
// pods and rollouts that say what went wrong when they time out.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importImage, NODE_NAME, NODE_SELECTOR, NODE_TOLERATION } from '../../tools/devenv/node/node.js';
import { settings } from '../../tools/devenv/settings.js';
import { docker, ensureImages, IMAGE_PROGRAMS, imageTag } from '../../tools/deploy/images.js';
import { devenv } from './servers.js';
import { eventually, kubectl } from './servers.js';

export { NODE_NAME, NODE_SELECTOR, NODE_TOLERATION };

/** Where pods reach the local servers: the bridge's gateway, and Kafka's listener advertised there. */
export function podAddresses(): { host: string; kafka: string[] } {
  const env = devenv();
  const host = env.POD_GATEWAY;
  const kafka = env.KAFKA_POD_BROKERS;
  if (!host || !kafka)
    throw new Error('the local servers export no POD_GATEWAY / KAFKA_POD_BROKERS: is the real node up?');
  return { host, kafka: kafka.split(',') };
}

let loaded: Promise<void> | undefined;

/** Builds both images (once per process) and imports them into the node's containerd. */
export function loadImagesOnNode(): Promise<void> {
  loaded ??= (async () => {
    await ensureImages();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'outbox-images-'));
    try {
      for (const program of IMAGE_PROGRAMS) {
        const tar = path.join(dir, `${program}.tar`);
        await docker(['save', '--output', tar, imageTag(program)]);
        await importImage(settings(), tar);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  })();
  return loaded;
}

interface PodList {
  items: Array<{
    metadata: { name: string; deletionTimestamp?: string };
    spec: { nodeName?: string };
    status: {
      phase?: string;
      conditions?: Array<{ type: string; status: string }>;
      containerStatuses?: Array<{ ready: boolean; restartCount: number; state?: Record<string, unknown> }>;
    };
  }>;
}

export async function pods(namespace: string, selector: string): Promise<PodList['items']> {
  const out = await kubectl(['get', 'pods', '-n', namespace, '-l', selector, '-o', 'json']);
  return (JSON.parse(out) as PodList).items;
}

const isReady = (pod: PodList['items'][number]) =>
  !pod.metadata.deletionTimestamp &&
  pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

/** Waits for `count` Ready pods matching the selector, all on the real node; their names. */
export async function readyPods(
  namespace: string,
  selector: string,
  count = 1,
  timeoutMs = 180_000,
): Promise<string[]> {
  try {
    return await eventually(
      `${count} Ready pod(s) ${selector} in ${namespace}`,
      async () => {
        const ready = (await pods(namespace, selector)).filter(isReady);
        if (ready.length < count) return undefined;
        const elsewhere = ready.filter((p) => p.spec.nodeName !== NODE_NAME);
        if (elsewhere.length > 0)
          throw new Error(`pods not on ${NODE_NAME}: ${elsewhere.map((p) => p.metadata.name).join(', ')}`);
        return ready.map((p) => p.metadata.name);
      },
      timeoutMs,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${await describePods(namespace, selector)}`);
  }
}

/** The pods' state, events and last log lines: what a failed wait shows. */
export async function describePods(namespace: string, selector: string): Promise<string> {
  const parts = await Promise.all([
    kubectl(['get', 'pods', '-n', namespace, '-l', selector, '-o', 'wide']).catch(String),
    kubectl(['get', 'events', '-n', namespace, '--sort-by=.lastTimestamp']).then(
      (t) => t.split('\n').slice(-15).join('\n'),
      String,
    ),
    kubectl(['logs', '-n', namespace, '-l', selector, '--tail=20', '--all-containers']).catch(String),
  ]);
  return parts.join('\n');
}

/** Waits for a Job to complete; throws with its pods' state and logs when it fails or times out. */
export async function jobCompleted(namespace: string, job: string, timeoutMs = 180_000): Promise<void> {
  try {
    await eventually(
      `Job ${job} to complete`,
      async () => {
        const out = await kubectl([
          'get',
          'job',
          job,
          '-n',
          namespace,
          '-o',
          'jsonpath={.status.succeeded}/{.status.failed}',
        ]);
        const [succeeded, failed] = out.trim().split('/');
        if (Number(failed || 0) > 0) throw new Error(`Job ${job} has ${failed} failed pod(s)`);
        return Number(succeeded || 0) >= 1 ? true : undefined;
      },
      timeoutMs,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${await describePods(namespace, `job-name=${job}`)}`);
  }
}
