// The relays' reports, simulated for the operator's scale benchmark: every OutboxRelay gets a report on
// its status every period (10 s, the most a relay pod writes), by server-side apply of status.databases on
// the status subresource under a relay pod's field manager, as the relay's reporter does. Each round
// changes the report (another pending count, a later last publish): the busiest a relay may be, since a
// relay whose report is unchanged writes nothing. The applies of a round are spread over the period.
import type { KubeClient } from '../../operator/kube/client.js';
import { resourcePath } from '../../operator/kube/client.js';

const API = 'outbox.kafka-relay.dev/v1alpha1';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const wholeSeconds = (ms: number) =>
  new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

export interface ReportRun {
  rounds: number;
  applies: number;
  failures: number;
  /** The pending count of the last report of each OutboxRelay. */
  lastPending: Map<string, number>;
  seconds: number;
}

/** The body a relay pod applies: its OutboxRelay with only status.databases. */
export function reportBody(namespace: string, name: string, pod: string, pending: number, nowMs: number) {
  return {
    apiVersion: API,
    kind: 'OutboxRelay',
    metadata: { name, namespace },
    status: {
      databases: [
        {
          name,
          pending,
          errored: 0,
          ...(pending > 0 ? { oldestPendingTime: wholeSeconds(nowMs - 2000) } : {}),
          lastPublishedTime: wholeSeconds(nowMs - 1000),
          kafka: { state: 'Available' },
          database: { state: 'Available' },
          reportedBy: pod,
        },
      ],
    },
  };
}

/** Reports on every name each `periodSeconds` for `seconds`, at most `concurrency` requests at a time. */
export async function simulateReports(options: {
  client: KubeClient;
  namespace: string;
  names: string[];
  seconds: number;
  periodSeconds?: number;
  concurrency?: number;
}): Promise<ReportRun> {
  const { client, namespace, names, seconds } = options;
  const periodMs = (options.periodSeconds ?? 10) * 1000;
  const concurrency = options.concurrency ?? 8;
  const run: ReportRun = { rounds: 0, applies: 0, failures: 0, lastPending: new Map(), seconds: 0 };
  const start = Date.now();
  for (let round = 0; (round + 1) * periodMs <= seconds * 1000; round++) {
    const roundStart = start + round * periodMs;
    if (roundStart > Date.now()) await sleep(roundStart - Date.now());
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < names.length) {
          const i = next++;
          const name = names[i] as string;
          const due = roundStart + (i * periodMs) / names.length;
          if (due > Date.now()) await sleep(due - Date.now());
          const pending = (round * 7 + i) % 50;
          const pod = `${name}-relay-0`;
          const path = `${resourcePath(API, 'outboxrelays', namespace, name)}/status`;
          try {
            await client.apply(
              path,
              reportBody(namespace, name, pod, pending, Date.now()),
              `outbox-relay-${pod}`,
            );
            run.applies++;
            run.lastPending.set(name, pending);
          } catch {
            run.failures++;
          }
        }
      }),
    );
    run.rounds++;
  }
  run.seconds = (Date.now() - start) / 1000;
  return run;
}

/** Seconds until every OutboxRelay's status.backlog is the last pending count reported to it. */
export async function summariesCaughtUp(
  client: KubeClient,
  namespace: string,
  lastPending: Map<string, number>,
  maxSeconds: number,
): Promise<number | undefined> {
  const start = Date.now();
  while (Date.now() - start < maxSeconds * 1000) {
    const list = await client.list<{ metadata: { name: string }; status?: { backlog?: number } }>(
      resourcePath(API, 'outboxrelays', namespace),
    );
    const behind = list.items.filter(
      (r) => lastPending.has(r.metadata.name) && r.status?.backlog !== lastPending.get(r.metadata.name),
    );
    if (behind.length === 0) return (Date.now() - start) / 1000;
    await sleep(500);
  }
  return undefined;
}

/** The operator's own server-side applies of Deployments and CronJobs, from its request counter. */
export function operatorChildApplies(metrics: string): number {
  let sum = 0;
  for (const line of metrics.split('\n')) {
    if (!line.startsWith('outbox_operator_api_requests_total{') || !line.includes('verb="APPLY"')) continue;
    if (!/resource="(deployments|cronjobs)"/.test(line)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
