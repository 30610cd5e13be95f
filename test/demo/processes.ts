// The demo's child processes (the operator, a log follower) and the checks it waits on.
import { spawn, type ChildProcess } from 'node:child_process';
import { repoRoot } from '../support/operator.js';
import { devenv, kubectl } from '../support/servers.js';

export interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

export function start(command: string, args: string[], env: NodeJS.ProcessEnv): Started {
  const child = spawn(command, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

export async function stop(p: Started | undefined): Promise<number | null> {
  if (!p) return null;
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
  return p.exited;
}

export async function httpOk(url: string): Promise<true | undefined> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  return res.ok ? true : undefined;
}

export function freeToListen(port: number): Promise<boolean> {
  return import('node:net').then(
    ({ default: net }) =>
      new Promise<boolean>((resolve) => {
        const server = net.createServer();
        server.once('error', () => resolve(false));
        server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
      }),
  );
}

/**
 * Stops the relay pod the way a rollout or a drain does (SIGTERM from the kubelet, its Deployment scaled to
 * 0) while following its log to the end: true when the relay said it stopped, its batch drained.
 */
export async function stopRelayPod(namespace: string, pod: string): Promise<boolean> {
  const env = devenv();
  const logs = start(env.KUBECTL!, ['--kubeconfig', env.KUBECONFIG!, 'logs', '-f', pod, '-n', namespace], {
    PATH: process.env.PATH ?? '',
    // kubectl keeps its discovery cache under $HOME/.kube (without HOME: in the working folder).
    HOME: process.env.HOME ?? '',
  });
  await kubectl(['scale', 'deployment', 'orders-relay', '-n', namespace, '--replicas=0']);
  await logs.exited;
  return logs.output().includes('"msg":"stopped"');
}
