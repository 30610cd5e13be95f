// Operator footprint beside Secrets it does not need: --secrets unrelated Secrets of --secret-kb KB each in
// the watched namespace (as Helm release Secrets would be), created before the operator starts, plus
// --relays OutboxRelays with their own Secrets. The operator runs as its own process under config/rbac's
// role (bound in the namespace); its RSS is sampled from start, through the reconcile of every OutboxRelay,
// a rewrite of every unrelated Secret (watch events for an operator that watches them all), and an idle
// window. An operator that caches only the referenced Secrets keeps within its bound (RSS <= 150 MB);
// --operator-commit runs the operator built from that commit (in a temporary git worktree, removed after)
// to compare with; without it, this checkout's dist/ (npm run build).
// --rbac=named runs it instead under a Role whose secrets rule names only the OutboxRelays' Secrets
// (resourceNames), where it reads each Secret by its own watch: with --secrets=0 and --relays=1000 that
// measures what 1,000 per-name watches cost beside the default (--rbac=role, config/rbac's role).
//
//   npx tsx bench/operator/secrets.ts [--secrets=1000] [--secret-kb=100] [--relays=5] [--concurrency=8]
//     [--idle-seconds=20] [--rbac=role|named] [--operator-commit=REV] [--variant=NAME] [--out=bench/results]
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { checkKnown, choiceFlag, intFlag, parseFlags, stringFlag } from '../lib/flags.js';
import { adminClient } from '../lib/kube.js';
import { machineInfo } from '../lib/machine.js';
import { defaultResultsDir, repoRoot } from '../lib/paths.js';
import { ProcSampler } from '../lib/proc-sampler.js';
import { checked, commandLine, writeResult, type Result } from '../lib/results.js';
import { round } from '../lib/stats.js';
import {
  freePort,
  installCrd,
  metricValue,
  serviceAccountKubeconfig,
  tokenKubeconfig,
} from '../../test/support/operator.js';
import { createNamespace, eventually, kubectl } from '../../test/support/servers.js';
import { resourcePath, type KubeClient } from '../../operator/kube/client.js';

const flags = parseFlags(process.argv.slice(2));
checkKnown(flags, [
  'secrets',
  'secret-kb',
  'relays',
  'concurrency',
  'idle-seconds',
  'operator-commit',
  'rbac',
  'variant',
  'out',
]);
const secretCount = intFlag(flags, 'secrets', 1000);
const secretKB = intFlag(flags, 'secret-kb', 100);
const relayCount = intFlag(flags, 'relays', 5);
const concurrency = intFlag(flags, 'concurrency', 8);
const idleSeconds = intFlag(flags, 'idle-seconds', 20);
const rbac = choiceFlag(flags, 'rbac', ['role', 'named'] as const, 'role');
const operatorCommit = stringFlag(flags, 'operator-commit', '');
let operatorRoot = repoRoot;
const variant = stringFlag(flags, 'variant', `${secretCount}x${secretKB}kb-${relayCount}-${rbac}`);
const outDir = path.resolve(stringFlag(flags, 'out', defaultResultsDir));
const API = 'outbox.kafka-relay.dev/v1alpha1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const nowS = () => performance.now() / 1000;

/** Runs `fn` over 0..count-1, `concurrency` at a time. */
async function inParallel(count: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}

/** A Secret whose one value is `secretKB` KB of random bytes (stored base64, as the API server keeps it). */
const bigSecret = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, labels: { owner: 'helm' } },
  data: { release: randomBytes(secretKB * 1024).toString('base64') },
});

/** The operator of `operatorRoot` (its dist/) as its own process, its log in a file. */
async function startOperator(kubeconfig: string, namespace: string) {
  const healthPort = await freePort();
  const metricsPort = await freePort();
  const logFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'bench-secrets-')), 'operator.log');
  const fd = openSync(logFile, 'w');
  const child = spawn(
    process.execPath,
    [
      path.join(operatorRoot, 'dist/operator/main.js'),
      ...['--kubeconfig', kubeconfig, '--namespace', namespace, '--lease-namespace', namespace],
      ...['--identity', 'bench-secrets', '--health-port', String(healthPort)],
      ...['--metrics-port', String(metricsPort), '--relay-image', 'kafka-outbox-relay/relay:bench'],
    ],
    { cwd: operatorRoot, env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', fd, fd] },
  );
  closeSync(fd);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const logTail = () => readFileSync(logFile, 'utf8').slice(-4000);
  const metrics = async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  return {
    pid: child.pid!,
    ready: () =>
      eventually(
        'the operator to lead with its caches synced (/readyz)',
        async () => {
          if (child.exitCode !== null) throw new Error(`the operator exited:\n${logTail()}`);
          const res = await fetch(`http://127.0.0.1:${healthPort}/readyz`).catch(() => undefined);
          return res?.status === 200 ? true : undefined;
        },
        300_000,
      ),
    metric: async (name: string, labels?: string) => metricValue(await metrics(), name, labels),
    logTail,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

const relayNames = Array.from({ length: relayCount }, (_, i) => `r${i}`);

async function createRelays(admin: KubeClient, namespace: string): Promise<string[]> {
  const names = relayNames;
  await inParallel(names.length, async (i) => {
    const name = names[i]!;
    await admin.create(
      resourcePath('v1', 'secrets', namespace),
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: `${name}-db` },
        stringData: { host: 'db', port: '5432', username: 'u', password: 'p', database: name },
      },
      'bench',
    );
    await admin.create(
      resourcePath(API, 'outboxrelays', namespace),
      {
        apiVersion: API,
        kind: 'OutboxRelay',
        metadata: { name },
        spec: {
          database: { secretRef: { name: `${name}-db` } },
          kafka: { brokers: ['kafka-0.kafka:9092'] },
          relay: { replicas: 0 },
        },
      },
      'bench',
    );
  });
  return names;
}

/** A ServiceAccount under the watched-namespace Role with resourceNames on Secrets, and its kubeconfig. */
async function namedSecretsKubeconfig(namespace: string): Promise<string> {
  const sa = 'outbox-relay-operator';
  const role = yaml.load(
    readFileSync(path.join(repoRoot, 'config/rbac/watched-namespace/role.yaml'), 'utf8'),
  ) as { rules: Array<{ resources: string[] }> };
  const rules = role.rules.map((r) =>
    r.resources.includes('secrets') ? { ...r, resourceNames: relayNames.map((n) => `${n}-db`) } : r,
  );
  const apply = (doc: unknown) => kubectl(['apply', '-n', namespace, '-f', '-'], JSON.stringify(doc));
  await kubectl(['create', 'serviceaccount', sa, '-n', namespace]);
  await apply({ ...role, metadata: { name: 'operator-named' }, rules });
  await kubectl([
    'apply',
    '-n',
    namespace,
    '-f',
    path.join(repoRoot, 'config/rbac/leader_election_role.yaml'),
  ]);
  for (const r of ['operator-named', 'outbox-relay-operator-leader-election'])
    await kubectl([
      'create',
      'rolebinding',
      r,
      '-n',
      namespace,
      `--role=${r}`,
      `--serviceaccount=${namespace}:${sa}`,
    ]);
  return tokenKubeconfig(sa, namespace, '2h');
}

async function allReconciled(admin: KubeClient, namespace: string, count: number): Promise<void> {
  type Relay = { status?: { conditions?: Array<{ type: string; status: string }> } };
  await eventually(
    'every OutboxRelay Reconciled=True',
    async () => {
      const list = await admin.list<Relay>(resourcePath(API, 'outboxrelays', namespace));
      const done = list.items.filter((r) =>
        r.status?.conditions?.some((c) => c.type === 'Reconciled' && c.status === 'True'),
      ).length;
      return done === count ? true : undefined;
    },
    // A shared machine under load reconciles 1,000 in minutes.
    Math.max(300_000, count * 1500),
  );
}

/** A temporary worktree of the commit with its dist/ built (this checkout's node_modules linked in). */
function buildCommit(commit: string): () => void {
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'bench-operator-')), 'tree');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repoRoot, stdio: 'inherit' });
  git('worktree', 'add', '--detach', dir, commit);
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'));
  console.log(`building the operator of ${commit}`);
  execFileSync(process.execPath, [path.join(repoRoot, 'scripts/build.mjs'), '--root', dir], {
    stdio: 'inherit',
  });
  operatorRoot = dir;
  return () => git('worktree', 'remove', '--force', dir);
}

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const removeTree = operatorCommit ? buildCommit(operatorCommit) : () => undefined;
  const machine = machineInfo();
  const admin = adminClient();
  await installCrd();
  const ns = await createNamespace('bench-secrets');
  let operator: Awaited<ReturnType<typeof startOperator>> | undefined;
  try {
    const kubeconfig =
      rbac === 'named' ? await namedSecretsKubeconfig(ns.name) : await serviceAccountKubeconfig(ns.name);
    const secretsPath = resourcePath('v1', 'secrets', ns.name);
    console.log(`creating ${secretCount} unrelated Secrets of ${secretKB} KB (${concurrency} at a time)`);
    if (secretCount > 0)
      await inParallel(secretCount, (i) => admin.create(secretsPath, bigSecret(`release-${i}`), 'bench'));
    const names = await createRelays(admin, ns.name);

    console.log(`starting the operator (${operatorCommit || 'this checkout'})`);
    operator = await startOperator(kubeconfig, ns.name);
    const sampler = new ProcSampler(operator.pid, 250).start();
    const t0 = nowS();
    await operator.ready();
    await allReconciled(admin, ns.name, names.length);
    const reconciled = nowS();
    console.log(`  ${names.length} reconciled after ${round(reconciled - t0, 1)} s; rewriting the Secrets`);
    if (secretCount > 0)
      await inParallel(secretCount, (i) =>
        admin.replace(`${secretsPath}/release-${i}`, bigSecret(`release-${i}`), 'bench'),
      );
    const rewritten = nowS();
    console.log(`  rewritten in ${round(rewritten - reconciled, 1)} s; idle for ${idleSeconds} s`);
    await sleep(idleSeconds * 1000);
    const peak = sampler.peakMB();
    const cachedSecrets = await operator.metric('outbox_operator_cached_objects', 'resource="secrets"');
    const byName = await operator.metric('outbox_operator_secret_watches', 'scope="name"');
    const byNamespace = await operator.metric('outbox_operator_secret_watches', 'scope="namespace"');
    const heapUsed = await operator.metric('outbox_operator_nodejs_heap_size_used_bytes');
    sampler.stop();
    const whole = sampler.footprint(0, Infinity, peak);
    const starting = sampler.footprint(t0, reconciled, peak);
    const churn = sampler.footprint(reconciled, rewritten, peak);
    const orNa = (v: number | undefined) => (v === undefined ? 'not exported' : v);

    const result: Result = {
      benchmark: 'operator-secrets',
      variant,
      title: `Operator footprint beside ${secretCount} unrelated Secrets of ${secretKB} KB`,
      command: commandLine(),
      startedAt,
      finishedAt: new Date().toISOString(),
      settings: {
        secrets: secretCount,
        secretKB,
        relays: relayCount,
        rbac: rbac === 'named' ? 'a Role naming the Secrets (resourceNames)' : "config/rbac's role",
        concurrency,
        idleSeconds,
        operator: operatorCommit ? `built from ${operatorCommit}` : "this checkout's dist/",
      },
      machine,
      summary: [
        checked('operator RSS, max over the whole run', round(whole.rssMaxMB, 1), 'MB', '<=', 150),
        {
          measure: 'operator RSS, max from start to all reconciled',
          value: round(starting.rssMaxMB, 1),
          unit: 'MB',
        },
        {
          measure: 'operator RSS, max while the Secrets were rewritten',
          value: round(churn.rssMaxMB, 1),
          unit: 'MB',
        },
        { measure: 'operator RSS, kernel peak (VmHWM)', value: round(peak ?? NaN, 1), unit: 'MB' },
        { measure: 'operator V8 heap used, end', value: round((heapUsed ?? NaN) / 2 ** 20, 1), unit: 'MB' },
        { measure: 'time from start to all reconciled', value: round(reconciled - t0, 1), unit: 's' },
        { measure: 'Secrets in the operator cache, end', value: orNa(cachedSecrets), unit: 'Secrets' },
        { measure: 'Secret watches by name, end', value: orNa(byName), unit: 'watches' },
        {
          measure: "metadata watches of a namespace's Secrets, end",
          value: orNa(byNamespace),
          unit: 'watches',
        },
        {
          measure: 'operator CPU, mean while the Secrets were rewritten',
          value: round(churn.cpuMeanPct, 1),
          unit: '% of a core',
        },
      ],
      notes: [
        `The unrelated Secrets exist before the operator starts (its first LIST would carry them) and are each replaced once after every OutboxRelay reconciled (a watch of all Secrets receives each, ${secretKB} KB apiece).`,
        "RSS: VmRSS of the operator's process every 250 ms (/proc/<pid>/status); VmHWM the kernel's own peak.",
      ],
      data: { footprint: { whole, starting, churn } },
      series: {
        operator: sampler.samples.map((s) => [round(s.t - t0, 2), round(s.rssMB, 1), round(s.cpuPct, 1)]),
      },
    };
    writeResult(result, { dir: outDir, plot: false });
  } catch (error) {
    if (operator) console.error(`operator log (end):\n${operator.logTail()}`);
    throw error;
  } finally {
    await operator?.stop();
    await ns.remove();
    removeTree();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
