// Helpers for the CRD and operator suites: install the CRD (shared by every suite, applied idempotently)
// read the repository's manifests, and run the operator as its own process under the RBAC of config/rbac.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNamespace, eventually, kubectl, type TestNamespace } from './servers.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function repoFile(relative: string): string {
  return readFileSync(path.join(repoRoot, relative), 'utf8');
}

/** Applies crds/outboxrelays.yaml and waits until the API serves it. */
export async function installCrd(): Promise<void> {
  await kubectl(
    ['apply', '--server-side', '--force-conflicts', '--field-manager=outbox-tests', '-f', '-'],
    repoFile('crds/outboxrelays.yaml'),
  );
  await eventually(
    'the OutboxRelay CRD to be established',
    async () => {
      const out = await kubectl([
        'get',
        'crd',
        'outboxrelays.outbox.kafka-relay.dev',
        '-o',
        'jsonpath={.status.conditions[?(@.type=="Established")].status}',
      ]);
      return out.trim() === 'True' ? true : undefined;
    },
    30_000,
  );
}

/** kubectl's error output, or undefined when the command succeeded. */
export async function kubectlError(args: string[], input?: string): Promise<string | undefined> {
  try {
    await kubectl(args, input);
    return undefined;
  } catch (error) {
    return (error as { output?: string }).output ?? String(error);
  }
}

/** A free TCP port on loopback (closed again before returning). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Gives a namespace a ServiceAccount bound to exactly config/rbac's ClusterRole and leader-election Role
 * (bound in that namespace only, so the binding goes away with it) and writes a kubeconfig that
 * authenticates with a token of that ServiceAccount.
 */
export async function serviceAccountKubeconfig(namespace: string): Promise<string> {
  const sa = 'outbox-relay-operator';
  await kubectl(['create', 'serviceaccount', sa, '-n', namespace]);
  await kubectl(
    ['apply', '--server-side', '--force-conflicts', '--field-manager=outbox-tests', '-f', '-'],
    repoFile('config/rbac/role.yaml'),
  );
  await kubectl(['apply', '-n', namespace, '-f', '-'], repoFile('config/rbac/leader_election_role.yaml'));
  await kubectl([
    'create',
    'rolebinding',
    'operator',
    '-n',
    namespace,
    '--clusterrole=outbox-relay-operator',
    `--serviceaccount=${namespace}:${sa}`,
  ]);
  await kubectl([
    'create',
    'rolebinding',
    'operator-leader-election',
    '-n',
    namespace,
    '--role=outbox-relay-operator-leader-election',
    `--serviceaccount=${namespace}:${sa}`,
  ]);
  return tokenKubeconfig(sa, namespace, '2h');
}

/**
 * A kubeconfig (written to a fresh temporary folder) that reaches the local API server as the
 * ServiceAccount, with a token from the TokenRequest API and the API server's CA from the admin kubeconfig.
 */
export async function tokenKubeconfig(sa: string, namespace: string, duration: string): Promise<string> {
  const token = (await kubectl(['create', 'token', sa, '-n', namespace, `--duration=${duration}`])).trim();
  const admin = JSON.parse(await kubectl(['config', 'view', '--raw', '--minify', '-o', 'json'])) as {
    clusters: Array<{ cluster: Record<string, string> }>;
  };
  const cluster = admin.clusters[0]?.cluster ?? {};
  const ca =
    cluster['certificate-authority-data'] ??
    readFileSync(cluster['certificate-authority'] as string).toString('base64');
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'local', cluster: { server: cluster.server, 'certificate-authority-data': ca } }],
    users: [{ name: sa, user: { token } }],
    contexts: [{ name: 'operator', context: { cluster: 'local', user: sa, namespace } }],
    'current-context': 'operator',
  };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'outbox-operator-'));
  const file = path.join(dir, 'kubeconfig');
  writeFileSync(file, JSON.stringify(kubeconfig), { mode: 0o600 });
  return file;
}

export interface OperatorProcess {
  identity: string;
  healthPort: number;
  metricsPort: number;
  /** Everything the operator wrote to stdout and stderr so far. */
  output(): string;
  metrics(): Promise<string>;
  /** Sends the signal and waits for the process to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Runs operator/main.ts as its own process, the way it runs in a cluster. */
export async function startOperatorProcess(options: {
  kubeconfig: string;
  /** The watched namespace, or several separated by commas. */
  namespace: string;
  /** Where the leader Lease is (default: the watched namespace). */
  leaseNamespace?: string;
  identity: string;
  leaseDurationSeconds?: number;
  leaderElect?: boolean;
  /** The image of the relays it renders (default: a tag no node has, for suites where nothing runs). */
  relayImage?: string;
}): Promise<OperatorProcess> {
  const healthPort = await freePort();
  const metricsPort = await freePort();
  // One process (node with tsx's loader, not the tsx wrapper), so a signal reaches the operator itself.
  const args = [
    '--import',
    'tsx',
    path.join(repoRoot, 'operator/main.ts'),
    '--kubeconfig',
    options.kubeconfig,
    '--namespace',
    options.namespace,
    '--lease-namespace',
    options.leaseNamespace ?? options.namespace,
    `--leader-elect=${options.leaderElect ?? true}`,
    '--lease-duration',
    String(options.leaseDurationSeconds ?? 15),
    '--identity',
    options.identity,
    '--health-port',
    String(healthPort),
    '--metrics-port',
    String(metricsPort),
    '--relay-image',
    options.relayImage ?? 'kafka-outbox-relay/relay:test',
    '--log-level',
    'debug',
  ];
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await eventually(
    `operator ${options.identity} to serve /healthz`,
    async () => {
      if (child.exitCode !== null) throw new Error(`operator exited: ${out.slice(-2000)}`);
      const res = await fetch(`http://127.0.0.1:${healthPort}/healthz`);
      return res.ok ? true : undefined;
    },
    60_000,
  );
  return {
    identity: options.identity,
    healthPort,
    metricsPort,
    output: () => out,
    metrics: async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text(),
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

export interface OperatorSuite {
  /** The suite's namespace (from its beforeAll on). */
  readonly ns: TestNamespace;
  /** Every operator started through `start`, in order. */
  readonly running: OperatorProcess[];
  /** Runs an operator on the suite's namespace; it is stopped after the suite. */
  start(
    identity: string,
    options?: { leaseDurationSeconds?: number; leaderElect?: boolean; relayImage?: string },
  ): Promise<OperatorProcess>;
  /** `kubectl get KIND NAME -o jsonpath=EXPRESSION` in the suite's namespace, trimmed. */
  jsonpath(kind: string, name: string, expression: string): Promise<string>;
}

/**
 * The set-up every operator suite shares, registered as its beforeAll and afterAll: the CRD installed, a
 * namespace of its own with a ServiceAccount under config/rbac; afterwards every operator started through
 * it stopped (with `stopSignal`) and the namespace removed. Call it inside the suite's describe.
 */
export function operatorSuite(prefix: string, stopSignal: NodeJS.Signals = 'SIGKILL'): OperatorSuite {
  let ns: TestNamespace | undefined;
  let kubeconfig: string | undefined;
  const running: OperatorProcess[] = [];
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined)
      throw new Error('the operator suite is not set up yet (use it in a hook or test)');
    return value;
  };

  beforeAll(async () => {
    await installCrd();
    ns = await createNamespace(prefix);
    kubeconfig = await serviceAccountKubeconfig(ns.name);
  });

  afterAll(async () => {
    await Promise.all(running.map((op) => op.stop(stopSignal)));
    await ns?.remove();
  });

  return {
    get ns() {
      return ready(ns);
    },
    running,
    async start(identity, options = {}) {
      const op = await startOperatorProcess({
        kubeconfig: ready(kubeconfig),
        namespace: ready(ns).name,
        identity,
        ...options,
      });
      running.push(op);
      return op;
    },
    async jsonpath(kind, name, expression) {
      return (
        await kubectl(['get', kind, name, '-n', ready(ns).name, '-o', `jsonpath=${expression}`])
      ).trim();
    },
  };
}

/** A Secret with made-up database settings and an OutboxRelay that refers to it, as kubectl input. */
export function relayWithSecret(name: string): string {
  return [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `${name}-db` },
      stringData: { host: 'h', port: '5432', username: 'u', password: 'p', database: 'd' },
    },
    {
      apiVersion: 'outbox.kafka-relay.dev/v1alpha1',
      kind: 'OutboxRelay',
      metadata: { name },
      spec: { database: { secretRef: { name: `${name}-db` } }, kafka: { brokers: ['kafka-0.kafka:9092'] } },
    },
  ]
    .map((o) => JSON.stringify(o))
    .join('\n');
}

/** The value of a metric line (first sample matching name and optional label text), or undefined. */
export function metricValue(text: string, name: string, labels = ''): number | undefined {
  for (const line of text.split('\n')) {
    if (
      line.startsWith(`${name}${labels ? `{${labels}}` : ''} `) ||
      (!labels && line.startsWith(`${name}{`))
    ) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return undefined;
}

/** The operator's own write requests by its request counter, Leases (its leader election) apart. */
export function operatorWrites(metrics: string): number {
  let sum = 0;
  for (const line of metrics.split('\n')) {
    const m = /^outbox_operator_api_requests_total\{verb="(\w+)",resource="([^"]+)"\} (\S+)$/.exec(line);
    if (m && ['APPLY', 'PATCH', 'POST', 'PUT', 'DELETE'].includes(m[1]!) && m[2] !== 'leases')
      sum += Number(m[3]);
  }
  return sum;
}
