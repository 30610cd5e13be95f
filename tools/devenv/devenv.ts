// up / down / status of all local servers, used by the CLI, the jest global setup, benchmarks and the demo.
import { ensureBaseImage } from './base-image.js';
import { dockerDaemons, dockerDown, dockerPing, dockerUp } from './docker.js';
import { ensureSystemPackages } from './system-packages.js';
import { kafkaDaemons, kafkaDown, kafkaInstall, kafkaPing, kafkaUp } from './kafka.js';
import { kafkaToolsInstall } from './kafka-tools.js';
import { kubeDaemons, kubeDown, kubeStatus, kubeUp } from './kube.js';
import { kubeInstall } from './kube-build.js';
import { cniUp } from './node/cni.js';
import { nodeDaemons, nodeDown, nodeInstall, nodeStatus, nodeUp } from './node/node.js';
import { mariadbDaemons, mariadbDown, mariadbPing, mariadbUp } from './mariadb.js';
import { postgresDaemons, postgresDown, postgresPing, postgresUp } from './postgres.js';
import { daemonRunning, progress, readPid } from './proc.js';
import { reserveDevenvPorts } from './reserved-ports.js';
import { settings, type Settings } from './settings.js';
import { writeEnvFiles, type DevenvExports } from './env-file.js';

/** Installs and builds everything into the cache without starting anything. */
export async function install(s: Settings = settings()): Promise<void> {
  await ensureSystemPackages(s);
  await kafkaInstall(s);
  await kafkaToolsInstall(s);
  await kubeInstall(s);
  await nodeInstall(s);
}

/** Starts whatever is not running yet (in parallel), then writes .devenv/env.sh and env.json. */
export async function up(s: Settings = settings()): Promise<DevenvExports> {
  const started = Date.now();
  await install(s);
  progress(reserveDevenvPorts());
  // The servers listen on the bridge's gateway too (for pods), so the bridge comes first.
  await cniUp(s);
  const results = await Promise.allSettled([
    postgresUp(s),
    mariadbUp(s),
    kafkaUp(s),
    kubeUp(s).then(() => nodeUp(s)),
    dockerUp(s).then(() => ensureBaseImage(s)),
  ]);
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failures.length > 0) {
    throw new Error(
      failures.map((f) => (f.reason instanceof Error ? f.reason.message : String(f.reason))).join('\n\n'),
    );
  }
  const exports = writeEnvFiles(s);
  progress(
    `all local servers up in ${((Date.now() - started) / 1000).toFixed(1)} s; exports in ${s.state}/env.sh`,
  );
  return exports;
}

export async function down(s: Settings = settings()): Promise<void> {
  const stopped = [
    ...((await dockerDown(s)) ? ['docker'] : []),
    ...(await nodeDown(s)),
    ...(await kubeDown(s)),
    ...((await kafkaDown(s)) ? ['kafka'] : []),
    ...((await mariadbDown(s)) ? ['mariadb'] : []),
    ...((await postgresDown(s)) ? ['postgres'] : []),
  ];
  progress(stopped.length > 0 ? `stopped ${stopped.join(', ')}` : 'nothing was running');
}

async function probe(check: () => Promise<boolean>): Promise<string> {
  try {
    return (await check()) ? 'ready' : 'not ready';
  } catch {
    return 'not ready';
  }
}

export interface ServerStatus {
  name: string;
  pid: number | undefined;
  running: boolean;
  health: string;
}

export async function status(s: Settings = settings()): Promise<ServerStatus[]> {
  const health: Record<string, () => Promise<string>> = {
    postgres: () => probe(() => postgresPing(s)),
    mariadb: () => probe(() => mariadbPing(s)),
    kafka: () => probe(() => kafkaPing(s)),
    'kube-apiserver': () => kubeStatus(s),
    dockerd: () => probe(() => dockerPing(s)),
    kubelet: async () => ((await nodeStatus(s)).ready === 'True' ? 'ready' : 'not ready'),
  };
  const names = [
    ...postgresDaemons,
    ...mariadbDaemons,
    ...kafkaDaemons,
    ...kubeDaemons,
    ...nodeDaemons,
    ...dockerDaemons,
  ];
  return Promise.all(
    names.map(async (name) => {
      const running = daemonRunning(s.state, name);
      const check = health[name];
      return {
        name,
        pid: readPid(s.state, name),
        running,
        health: !running ? 'stopped' : check ? await check() : 'running',
      };
    }),
  );
}
