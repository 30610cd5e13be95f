// The Kubernetes side of the operator benchmark: an admin client for the local control plane, the API
// server's request counters (apiserver_request_total from its /metrics), and the operator as its own
// process (`node dist/operator/main.js`, or from source through tsx's loader), its log in a file.
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../operator/kube/client.js';
import { freePort, metricValue } from '../../test/support/operator.js';
import { devenv, eventually } from '../../test/support/servers.js';
import { repoRoot } from './paths.js';

export function adminKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(devenv().KUBECONFIG!);
  return kc;
}

export function adminClient(kc = adminKubeConfig()): KubeClient {
  return new KubeClient(kc);
}

/** A GET returning text (the JSON client parses every body). */
export async function getText(kc: KubeConfig, pathname: string): Promise<string> {
  const url = new URL(kc.getCurrentCluster()!.server + pathname);
  const opts: https.RequestOptions = { method: 'GET' };
  await kc.applyToHTTPSOptions(opts);
  return new Promise((resolve, reject) => {
    const req = https.request(url, opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        res.statusCode === 200
          ? resolve(Buffer.concat(chunks).toString('utf8'))
          : reject(new Error(`GET ${pathname}: ${res.statusCode}`)),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** apiserver_request_total summed by "VERB group/resource[/subresource]". */
export type RequestCounts = Record<string, number>;

const WRITE_VERBS = new Set([
  'POST',
  'PUT',
  'PATCH',
  'APPLY',
  'DELETE',
  'DELETECOLLECTION',
  'CREATE',
  'UPDATE',
]);

export async function apiserverRequests(kc: KubeConfig): Promise<RequestCounts> {
  const text = await getText(kc, '/metrics');
  const counts: RequestCounts = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = Object.fromEntries(
      [...line.slice(line.indexOf('{') + 1, line.lastIndexOf('}')).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [
        m[1],
        m[2],
      ]),
    );
    const resource = `${labels.group ? `${labels.group}/` : ''}${labels.resource}${labels.subresource ? `/${labels.subresource}` : ''}`;
    const key = `${labels.verb} ${resource}`;
    counts[key] = (counts[key] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return counts;
}

/** The write requests between two readings, by "VERB resource", largest first. */
export function writesBetween(before: RequestCounts, after: RequestCounts): Array<[string, number]> {
  return Object.entries(after)
    .map(([k, v]): [string, number] => [k, v - (before[k] ?? 0)])
    .filter(([k, v]) => v > 0 && WRITE_VERBS.has(k.split(' ')[0]!))
    .sort((a, b) => b[1] - a[1]);
}

export interface OperatorChild {
  pid: number;
  metrics(): Promise<string>;
  metric(name: string, labels?: string): Promise<number>;
  logTail(): string;
  stop(): Promise<void>;
}

export type OperatorFrom = 'dist' | 'source';

export async function startOperator(options: {
  from: OperatorFrom;
  kubeconfig: string;
  namespace: string;
  cpuProfileDir?: string;
  /** node --max-old-space-size: a heap limit such as a container's memory limit would bring. */
  maxOldSpaceMB?: number;
}): Promise<OperatorChild> {
  const healthPort = await freePort();
  const metricsPort = await freePort();
  const main =
    options.from === 'dist'
      ? [path.join(repoRoot, 'dist/operator/main.js')]
      : ['--import', 'tsx', path.join(repoRoot, 'operator/main.ts')];
  const profile = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
  if (options.maxOldSpaceMB) profile.push(`--max-old-space-size=${options.maxOldSpaceMB}`);
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'bench-operator-'));
  const logFile = path.join(logDir, 'operator.log');
  const fd = openSync(logFile, 'w');
  const child = spawn(
    process.execPath,
    [
      ...profile,
      ...main,
      '--kubeconfig',
      options.kubeconfig,
      '--namespace',
      options.namespace,
      '--lease-namespace',
      options.namespace,
      '--identity',
      'bench-operator',
      '--health-port',
      String(healthPort),
      '--metrics-port',
      String(metricsPort),
      '--relay-image',
      'kafka-outbox-relay/relay:bench',
      '--log-level',
      'info',
    ],
    { cwd: repoRoot, env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', fd, fd] },
  );
  closeSync(fd);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const logTail = () => {
    try {
      return readFileSync(logFile, 'utf8').slice(-4000);
    } catch {
      return '';
    }
  };
  await eventually(
    'the operator to lead with its caches synced (/readyz)',
    async () => {
      if (child.exitCode !== null) throw new Error(`the operator exited ${child.exitCode}:\n${logTail()}`);
      const res = await fetch(`http://127.0.0.1:${healthPort}/readyz`).catch(() => undefined);
      const body = res ? ((await res.json()) as { leader?: boolean; synced?: boolean }) : {};
      return res?.status === 200 && body.leader && body.synced ? true : undefined;
    },
    60_000,
  );
  const metrics = async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  return {
    pid: child.pid!,
    metrics,
    async metric(name, labels) {
      return metricValue(await metrics(), name, labels) ?? 0;
    },
    logTail,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(logDir, { recursive: true, force: true });
    },
  };
}
