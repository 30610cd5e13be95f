// The sandbox ("pause") image every pod needs, built offline from the Kubernetes module's own source
// (build/pause/linux/pause.c, compiled statically as its Makefile does) and packaged like its Dockerfile
// (/pause as entrypoint, user 65535), tagged as the release expects, so containerd never tries a registry.
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { progress, run } from '../proc.js';
import type { Settings } from '../settings.js';
import { writeImageTar } from './image-tar.js';
import { kubernetesModuleDir } from './kubelet-build.js';
import { nodeVersions } from './node-settings.js';

export function pauseImage(): string {
  return `registry.k8s.io/pause:${nodeVersions().pause}`;
}

export function pauseImageTar(s: Settings): string {
  return path.join(s.cache, `pause-${nodeVersions().pause}`, 'pause.tar');
}

/** kubeadm's PauseVersion in the module: the sandbox image that Kubernetes release is tested with. */
export function expectedPause(kubeadmConstants: string): string | undefined {
  return /PauseVersion\s*=\s*"([^"]+)"/.exec(kubeadmConstants)?.[1];
}

export async function buildPauseImage(s: Settings): Promise<void> {
  const out = pauseImageTar(s);
  if (existsSync(out)) return;
  const moduleDir = await kubernetesModuleDir(s);
  const pinned = nodeVersions().pause;
  const wanted = expectedPause(
    readFileSync(path.join(moduleDir, 'cmd/kubeadm/app/constants/constants.go'), 'utf8'),
  );
  if (wanted && wanted !== pinned) {
    throw new Error(
      `node/versions.json pins pause ${pinned} but ${s.versions.kubernetes.version} expects ${wanted}`,
    );
  }
  const rootfs = path.join(path.dirname(out), 'rootfs');
  rmSync(rootfs, { recursive: true, force: true });
  mkdirSync(rootfs, { recursive: true });
  const binary = path.join(rootfs, 'pause');
  progress(
    `pause: gcc -static build/pause/linux/pause.c from k8s.io/kubernetes@${s.versions.kubernetes.version}`,
  );
  await run('gcc', [
    ...['-Os', '-Wall', '-Werror', '-static', `-DVERSION=v${pinned}-devenv`],
    ...['-o', binary, path.join(moduleDir, 'build/pause/linux/pause.c')],
  ]);
  await run('strip', [binary]);
  chmodSync(binary, 0o755);
  await writeImageTar({ tag: pauseImage(), rootfs, entrypoint: ['/pause'], user: '65535:65535' }, out);
  rmSync(rootfs, { recursive: true, force: true });
  progress(`pause: image ${pauseImage()} cached in ${out}`);
}
