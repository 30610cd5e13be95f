// What the TLS suite on the real node asks of pods: the Secrets it hands them (as Strimzi and a managed
// database would), the mounted files as the relay's user sees them, the process environment, and why a
// relay container stopped (its exit code and termination message, which the relay writes on a
// configuration error).
import { X509Certificate } from 'node:crypto';
import { pods } from './real-node.js';
import { eventually, kubectl } from './servers.js';

/** A Secret as kubectl input. */
export function secret(name: string, stringData: Record<string, string>): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData });
}

export interface MountedFile {
  path: string;
  /** Octal permission bits, e.g. "440". */
  mode: string;
  uid: number;
  gid: number;
}

/** `stat` of the files inside the pod (following the kubelet's ..data symlinks), as the container's user. */
export async function statInPod(namespace: string, pod: string, files: string[]): Promise<MountedFile[]> {
  const out = await kubectl([
    'exec',
    '-n',
    namespace,
    pod,
    '--',
    'stat',
    '-L',
    '-c',
    '%a %u %g %n',
    ...files,
  ]);
  return out
    .trim()
    .split('\n')
    .map((line) => {
      const [mode, uid, gid, ...name] = line.split(' ');
      return { mode: mode!, uid: Number(uid), gid: Number(gid), path: name.join(' ') };
    });
}

/** The exit status of `cat` of the files inside the pod, as the container's user; the content is dropped. */
export async function catExitCode(namespace: string, pod: string, files: string[]): Promise<number> {
  const script = `cat ${files.map((f) => `'${f}'`).join(' ')} > /dev/null; echo "exit=$?"`;
  const out = await kubectl(['exec', '-n', namespace, pod, '--', 'sh', '-c', script]);
  return Number(/exit=(\d+)/.exec(out)?.[1] ?? -1);
}

/** The uid the container's processes run as. */
export async function uidInPod(namespace: string, pod: string): Promise<number> {
  return Number((await kubectl(['exec', '-n', namespace, pod, '--', 'id', '-u'])).trim());
}

/** The relay process's environment (PID 1 is tini; the relay is its child), as the kubelet gave it. */
export async function processEnv(namespace: string, pod: string): Promise<Record<string, string>> {
  const out = await kubectl([
    'exec',
    '-n',
    namespace,
    pod,
    '--',
    'node',
    '-e',
    'process.stdout.write(JSON.stringify(process.env))',
  ]);
  return JSON.parse(out) as Record<string, string>;
}

/** The serial number of the certificate in a PEM file inside the pod. */
export async function serialInPod(namespace: string, pod: string, file: string): Promise<string> {
  const pem = await kubectl(['exec', '-n', namespace, pod, '--', 'cat', file]);
  return new X509Certificate(pem).serialNumber;
}

export interface Termination {
  pod: string;
  exitCode: number;
  message: string;
  restartCount: number;
  ready: boolean;
}

interface ContainerState {
  terminated?: { exitCode: number; message?: string };
}

/**
 * Waits for a relay container of `selector` other than `except` to have stopped with a termination
 * message (now, or in its last run while the kubelet backs off restarting it).
 */
export async function terminated(
  namespace: string,
  selector: string,
  except: string[] = [],
  timeoutMs = 180_000,
): Promise<Termination> {
  return eventually(
    `a relay container of ${selector} to stop with a termination message`,
    async () => {
      for (const pod of await pods(namespace, selector)) {
        if (except.includes(pod.metadata.name)) continue;
        const status = pod.status.containerStatuses?.[0] as unknown as
          | { ready: boolean; restartCount: number; state?: ContainerState; lastState?: ContainerState }
          | undefined;
        const stop = status?.state?.terminated ?? status?.lastState?.terminated;
        if (stop?.message) {
          return {
            pod: pod.metadata.name,
            exitCode: stop.exitCode,
            message: stop.message,
            restartCount: status!.restartCount,
            ready: status!.ready,
          };
        }
      }
      return undefined;
    },
    timeoutMs,
  );
}
