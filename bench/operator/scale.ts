// Operator scale: --count OutboxRelays (each with its database Secret) created on the local control plane
// with the operator running as its own process under config/rbac's role; the time until every one has its
// Deployment and cleanup CronJob and Reconciled=True; then, once the cluster's own writes have settled (at
// most --settle-max-seconds), the API server's write requests during the following --idle-seconds (from its
// own apiserver_request_total), beside a control window measured with the
// operator running and no resources; then --report-seconds of the relays' reports (reports.ts: every
// OutboxRelay's report changes every 10 s, as busy relays write them) with the operator's writes per
// report; the operator's RSS and CPU throughout.
//
//   npm run bench:operator -- [--count=1000] [--replicas=0] [--concurrency=8] [--idle-seconds=60]
//     [--settle-max-seconds=180] [--control-seconds=30] [--report-seconds=60] [--operator-from=dist|source]
//     [--max-old-space-mb=N] [--out=bench/results] [--no-plot] [--cpu-prof]
import path from 'node:path';
import { makeInformer, type KubernetesObject } from '@kubernetes/client-node';
import { checkKnown, boolFlag, choiceFlag, intFlag, parseFlags, stringFlag } from '../lib/flags.js';
import {
  adminClient,
  adminKubeConfig,
  apiserverRequests,
  startOperator,
  writesBetween,
  type RequestCounts,
} from '../lib/kube.js';
import { machineInfo } from '../lib/machine.js';
import { defaultResultsDir } from '../lib/paths.js';
import { ProcSampler } from '../lib/proc-sampler.js';
import { OPERATOR_PACKAGES, rssFloorMB } from '../lib/rss-floor.js';
import { checked, commandLine, writeResult, type Result } from '../lib/results.js';
import { round } from '../lib/stats.js';
import { installCrd, operatorWrites, serviceAccountKubeconfig } from '../../test/support/operator.js';
import { createNamespace, eventually } from '../../test/support/servers.js';
import { resourcePath } from '../../operator/kube/client.js';
import { operatorChildApplies, simulateReports, summariesCaughtUp } from './reports.js';
import { settle } from './settle.js';
import { isLease, notLease, sumWrites } from './writes.js';

const flags = parseFlags(process.argv.slice(2));
checkKnown(flags, [
  'count',
  'replicas',
  'concurrency',
  'idle-seconds',
  'settle-max-seconds',
  'control-seconds',
  'report-seconds',
  'operator-from',
  'max-old-space-mb',
  'out',
  'no-plot',
  'cpu-prof',
]);
const count = intFlag(flags, 'count', 1000);
const replicas = intFlag(flags, 'replicas', 0);
const concurrency = intFlag(flags, 'concurrency', 8);
const idleSeconds = intFlag(flags, 'idle-seconds', 60);
const controlSeconds = intFlag(flags, 'control-seconds', 30);
const settleMaxSeconds = intFlag(flags, 'settle-max-seconds', 180);
const reportSeconds = intFlag(flags, 'report-seconds', 60);
const operatorFrom = choiceFlag(flags, 'operator-from', ['dist', 'source'] as const, 'dist');
const outDir = path.resolve(stringFlag(flags, 'out', defaultResultsDir));
const maxOldSpaceMB = intFlag(flags, 'max-old-space-mb', 0);
const API = 'outbox.kafka-relay.dev/v1alpha1';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const nowS = () => performance.now() / 1000;

interface Relay extends KubernetesObject {
  status?: { conditions?: Array<{ type: string; status: string }> };
}

/** First time each name was seen satisfying `done`, through a watch of the collection. */
function watchFirstSeen<T extends KubernetesObject>(
  pathname: string,
  nameOf: (obj: T) => string | undefined,
  done: (obj: T) => boolean,
) {
  const kc = adminKubeConfig();
  const client = adminClient(kc);
  const seen = new Map<string, number>();
  const informer = makeInformer<T>(kc, pathname, () => client.list<T>(pathname) as never);
  const note = (obj: T) => {
    const name = nameOf(obj);
    if (name !== undefined && !seen.has(name) && done(obj)) seen.set(name, nowS());
  };
  informer.on('add', note);
  informer.on('update', note);
  informer.on('error', () => setTimeout(() => void informer.start(), 500));
  return { seen, start: () => informer.start(), stop: () => informer.stop() };
}

/** The operator's V8 heap (its default Node.js metrics), to tell live objects from RSS. */
async function heapOf(operator: { metric(name: string): Promise<number> }) {
  const mb = async (name: string) => round((await operator.metric(name)) / 2 ** 20, 1);
  return {
    used: await mb('outbox_operator_nodejs_heap_size_used_bytes'),
    total: await mb('outbox_operator_nodejs_heap_size_total_bytes'),
    external: await mb('outbox_operator_nodejs_external_memory_bytes'),
  };
}

const ownerName = (obj: KubernetesObject) => obj.metadata?.ownerReferences?.find((o) => o.controller)?.name;

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const machine = machineInfo();
  const kc = adminKubeConfig();
  const admin = adminClient(kc);
  await installCrd();
  const ns = await createNamespace('bench-operator');
  const profileDir = boolFlag(flags, 'cpu-prof') ? path.join(outDir, 'profiles') : undefined;
  let operator: Awaited<ReturnType<typeof startOperator>> | undefined;
  try {
    const kubeconfig = await serviceAccountKubeconfig(ns.name);
    operator = await startOperator({
      from: operatorFrom,
      kubeconfig,
      namespace: ns.name,
      cpuProfileDir: profileDir,
      maxOldSpaceMB,
    });
    const sampler = new ProcSampler(operator.pid, 500).start();

    console.log(`control: ${controlSeconds} s with the operator leading and no resources`);
    const controlBefore = await apiserverRequests(kc);
    await sleep(controlSeconds * 1000);
    const controlWrites = writesBetween(controlBefore, await apiserverRequests(kc));

    const relays = watchFirstSeen<Relay>(
      resourcePath(API, 'outboxrelays', ns.name),
      (r) => r.metadata?.name,
      (r) => r.status?.conditions?.some((c) => c.type === 'Reconciled' && c.status === 'True') === true,
    );
    const deployments = watchFirstSeen<KubernetesObject>(
      resourcePath('apps/v1', 'deployments', ns.name),
      ownerName,
      () => true,
    );
    const cronjobs = watchFirstSeen<KubernetesObject>(
      resourcePath('batch/v1', 'cronjobs', ns.name),
      ownerName,
      () => true,
    );
    await Promise.all([relays.start(), deployments.start(), cronjobs.start()]);

    console.log(`creating ${count} OutboxRelays with their Secrets (${concurrency} at a time)`);
    const createdAt = new Map<string, number>();
    const t0 = nowS();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) {
          const name = `r${next++}`;
          await admin.create(
            resourcePath('v1', 'secrets', ns.name),
            {
              apiVersion: 'v1',
              kind: 'Secret',
              metadata: { name: `${name}-db` },
              stringData: {
                host: 'db.example',
                port: '5432',
                username: 'relay',
                password: 'bench',
                database: name,
              },
            },
            'bench',
          );
          await admin.create(
            resourcePath(API, 'outboxrelays', ns.name),
            {
              apiVersion: API,
              kind: 'OutboxRelay',
              metadata: { name },
              spec: {
                database: { driver: 'postgres', secretRef: { name: `${name}-db` } },
                kafka: { brokers: ['kafka-0.kafka:9092'] },
                relay: { replicas },
              },
            },
            'bench',
          );
          createdAt.set(name, nowS());
        }
      }),
    );
    const createdAll = nowS();
    console.log(`  created in ${(createdAll - t0).toFixed(1)} s; waiting for children and Reconciled=True`);
    const complete = (name: string) =>
      relays.seen.has(name) && deployments.seen.has(name) && cronjobs.seen.has(name);
    const names = [...createdAt.keys()];
    let lastReport = 0;
    await eventually(
      'every OutboxRelay to have its children and Reconciled=True',
      async () => {
        const done = names.filter(complete).length;
        if (nowS() - lastReport > 10) {
          lastReport = nowS();
          console.log(`  ${done}/${count} done after ${(nowS() - t0).toFixed(0)} s`);
        }
        return done === count ? true : undefined;
      },
      Math.max(600_000, count * 1000),
    );
    const finishTimes = names.map((n) =>
      Math.max(relays.seen.get(n)!, deployments.seen.get(n)!, cronjobs.seen.get(n)!),
    );
    const allDone = Math.max(...finishTimes);
    const reconcileSeconds = allDone - t0;
    const busyFootprint = sampler.footprint(t0, allDone + 0.5, sampler.peakMB());
    const heapBusy = await heapOf(operator);

    const settled = await settle({
      kc,
      operator,
      controlWrites,
      controlSeconds,
      maxSeconds: settleMaxSeconds,
    });
    const settleSeconds = settled.seconds;
    const ownWritesSettle = settled.operatorWrites;
    console.log(`  settled after ${settleSeconds === undefined ? 'no' : round(settleSeconds, 0)} s`);

    console.log(`idle: ${idleSeconds} s of API server writes`);
    const idleStart = nowS();
    const reconcilesBefore = await operator.metric('outbox_operator_reconciles_total', 'result="success"');
    const statusBefore = await operator.metric('outbox_operator_status_writes_total');
    const ownWritesBefore = operatorWrites(await operator.metrics());
    const idleBefore: RequestCounts = await apiserverRequests(kc);
    await sleep(idleSeconds * 1000);
    const idleAfter = await apiserverRequests(kc);
    const idleWrites = writesBetween(idleBefore, idleAfter);
    const reconcilesIdle =
      (await operator.metric('outbox_operator_reconciles_total', 'result="success"')) - reconcilesBefore;
    const statusIdle = (await operator.metric('outbox_operator_status_writes_total')) - statusBefore;
    const ownWritesIdle = operatorWrites(await operator.metrics()) - ownWritesBefore;
    const heapIdle = await heapOf(operator);
    const idleEnd = nowS();

    console.log(`reports: ${reportSeconds} s of a changed report on every OutboxRelay each 10 s`);
    const reportStart = nowS();
    const statusBeforeReports = await operator.metric('outbox_operator_status_writes_total');
    const reconcilesBeforeReports = await operator.metric(
      'outbox_operator_reconciles_total',
      'result="success"',
    );
    const requestsBeforeReports = await apiserverRequests(kc);
    const childAppliesBefore = operatorChildApplies(await operator.metrics());
    const reports = await simulateReports({
      client: admin,
      namespace: ns.name,
      names,
      seconds: reportSeconds,
    });
    const catchUpSeconds = await summariesCaughtUp(admin, ns.name, reports.lastPending, 60);
    const reportWrites = writesBetween(requestsBeforeReports, await apiserverRequests(kc));
    const statusPerReport = round(
      ((await operator.metric('outbox_operator_status_writes_total')) - statusBeforeReports) /
        Math.max(1, reports.applies),
      3,
    );
    const reconcilesPerReport = round(
      ((await operator.metric('outbox_operator_reconciles_total', 'result="success"')) -
        reconcilesBeforeReports) /
        Math.max(1, reports.applies),
      3,
    );
    const childAppliesInReports = operatorChildApplies(await operator.metrics()) - childAppliesBefore;
    const heapReports = await heapOf(operator);
    const peak = sampler.peakMB();
    sampler.stop();
    const reportFootprint = sampler.footprint(reportStart, nowS(), peak);
    const idleFootprint = sampler.footprint(idleStart, idleEnd, peak);
    const wholeFootprint = sampler.footprint(0, Infinity, peak);
    await Promise.all([relays.stop(), deployments.stop(), cronjobs.stop()]);

    const perMinute = (n: number, s: number) => round((n * 60) / s, 1);
    const idleNonLease = sumWrites(idleWrites, notLease);
    const controlNonLease = perMinute(sumWrites(controlWrites, notLease), controlSeconds);
    const progress = (m: Map<string, number>) =>
      [...m.values()].sort((a, b) => a - b).map((t, i): [number, number] => [round(t - t0, 2), i + 1]);

    const result: Result = {
      benchmark: 'operator-scale',
      variant: maxOldSpaceMB ? `${count}-heap${maxOldSpaceMB}` : String(count),
      title: `Operator scale: ${count} OutboxRelays on the local control plane`,
      command: commandLine(),
      startedAt,
      finishedAt: new Date().toISOString(),
      settings: {
        count,
        replicas,
        createConcurrency: concurrency,
        idleSeconds,
        controlSeconds,
        reportSeconds,
        operatorFrom,
        maxOldSpaceMB: maxOldSpaceMB || 'node default',
        workers: 'operator default (2)',
        leaderElection: 'on (operator default)',
      },
      machine,
      summary: [
        checked(
          'time until all have their children and Reconciled=True',
          round(reconcileSeconds, 1),
          's',
          '<=',
          120,
        ),
        {
          measure: `time for the cluster's writes to settle after the last reconcile (at most ${settleMaxSeconds} s)`,
          value: settleSeconds === undefined ? 'not settled' : round(settleSeconds, 0),
          unit: 's',
        },
        {
          measure: "the operator's writes while settling (its own request counter, Leases apart)",
          value: ownWritesSettle,
          unit: 'requests',
        },
        {
          measure: 'time to create the Secrets and OutboxRelays',
          value: round(createdAll - t0, 1),
          unit: 's',
        },
        checked(
          `API write requests in the ${idleSeconds} s idle window, except Leases`,
          idleNonLease,
          'requests',
          '<=',
          0,
        ),
        checked(
          "of which the operator's (its own request counter, Leases apart)",
          ownWritesIdle,
          'requests',
          '<=',
          0,
        ),
        {
          measure: 'operator reconciles in the window',
          value: reconcilesIdle,
          unit: 'reconciles',
        },
        {
          measure: 'API write requests to Leases in the window (all holders)',
          value: sumWrites(idleWrites, isLease),
          unit: 'requests',
        },
        {
          measure: 'control: API writes per minute except Leases, no resources',
          value: controlNonLease,
          unit: 'requests/min',
        },
        checked('operator RSS, max while reconciling', round(busyFootprint.rssMaxMB, 1), 'MB', '<=', 150),
        {
          measure: `reports applied in the ${reportSeconds} s report window (every OutboxRelay every 10 s, each changed), failed`,
          value: `${reports.applies}, ${reports.failures}`,
          unit: 'requests',
        },
        checked('operator status writes per report (at most one)', statusPerReport, 'writes', '<=', 1),
        { measure: 'operator reconciles per report', value: reconcilesPerReport, unit: 'reconciles' },
        checked(
          "the operator's applies of Deployments and CronJobs during the reports (its own request counter)",
          childAppliesInReports,
          'requests',
          '<=',
          0,
        ),
        checked(
          'time for every status.backlog to show the last report, after it',
          catchUpSeconds === undefined ? Infinity : round(catchUpSeconds, 1),
          's',
          '<=',
          10,
        ),
        checked(
          'operator RSS, max while reports arrive',
          round(reportFootprint.rssMaxMB, 1),
          'MB',
          '<=',
          150,
        ),
        {
          measure: 'operator CPU, mean while reports arrive',
          value: round(reportFootprint.cpuMeanPct, 1),
          unit: '% of a core',
        },
        { measure: 'operator RSS, max while idle', value: round(idleFootprint.rssMaxMB, 1), unit: 'MB' },
        { measure: 'operator RSS, kernel peak (VmHWM)', value: round(peak ?? NaN, 1), unit: 'MB' },
        {
          measure: `floor: node with ${OPERATOR_PACKAGES.join(', ')} imported, nothing else`,
          value: round(rssFloorMB(OPERATOR_PACKAGES), 1),
          unit: 'MB',
        },
        {
          measure: 'operator V8 heap used / total, end of idle',
          value: `${heapIdle.used} / ${heapIdle.total}`,
          unit: 'MB',
        },
        {
          measure: 'operator CPU, mean while reconciling',
          value: round(busyFootprint.cpuMeanPct, 1),
          unit: '% of a core',
        },
        {
          measure: 'operator CPU, mean while idle',
          value: round(idleFootprint.cpuMeanPct, 1),
          unit: '% of a core',
        },
        {
          measure: 'machine busy, mean while reconciling',
          value: round(busyFootprint.machineBusyMeanPct, 1),
          unit: '% of all cores',
        },
      ],
      notes: [
        'Done: the first time a watch saw the OutboxRelay with Reconciled=True and saw its Deployment and CronJob (owner references); the time runs from the first create request.',
        "Writes: apiserver_request_total from the API server's /metrics, verbs POST, PUT, PATCH, APPLY, DELETE, summed by resource, before and after the window. The counter covers every client of the API server (kube-controller-manager, the scheduler, kwok, node and leader Leases), so the control window shows what the cluster writes without any OutboxRelay, and the operator's own reconcile counter says whether the operator did anything in the window.",
        "Leases: the operator renews its leader Lease every few seconds by design (as client-go's leader election does); kwok renews its node's Lease too. They are counted apart.",
        "Reports: the bench plays every relay pod: a server-side apply of status.databases on the status subresource under the field manager outbox-relay-<pod>, a changed report (pending count, last publish) on each OutboxRelay every 10 s, spread over the 10 s. Status writes per report and reconciles per report come from the operator's counters over the window; the catch-up time is from the last report until a list shows every status.backlog equal to its last reported pending count.",
        `Relay pods: spec.relay.replicas is ${replicas}${replicas === 0 ? ' (the simulated node takes 250 pods, and no relay would run there anyway: the Deployments, their ReplicaSets and status still go through the controllers)' : ''}.`,
      ],
      data: {
        controlWrites,
        idleWrites,
        reconcilesInIdle: reconcilesIdle,
        statusWritesInIdle: statusIdle,
        operatorWritesInIdle: ownWritesIdle,
        operatorMetricsAtEnd: {
          reconciles: await operator.metric('outbox_operator_reconciles_total', 'result="success"'),
          reconcileErrors: await operator.metric('outbox_operator_reconcile_errors_total'),
          statusWrites: await operator.metric('outbox_operator_status_writes_total'),
        },
        reportWrites,
        reports: {
          rounds: reports.rounds,
          applies: reports.applies,
          failures: reports.failures,
          seconds: reports.seconds,
        },
        footprint: {
          reconciling: busyFootprint,
          idle: idleFootprint,
          reports: reportFootprint,
          whole: wholeFootprint,
        },
        heapMB: { reconciled: heapBusy, idleEnd: heapIdle, reportsEnd: heapReports },
        reconcileSeconds,
      },
      series: {
        progress: {
          created: progress(createdAt),
          deployments: progress(deployments.seen),
          cronjobs: progress(cronjobs.seen),
          reconciled: progress(relays.seen),
        },
        operator: sampler.samples.map((s) => [
          round(s.t - t0, 2),
          round(s.rssMB, 1),
          round(s.cpuPct, 1),
          round(s.machineBusyPct, 1),
        ]),
      },
    };
    writeResult(result, { dir: outDir, plot: !boolFlag(flags, 'no-plot') });
  } catch (error) {
    if (operator) console.error(`operator log (end):\n${operator.logTail()}`);
    throw error;
  } finally {
    await operator?.stop();
    await ns.remove();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
