// Builds the node's binaries into the cache, once per version: the kubelet from k8s.io/kubernetes at the
// control plane's own version, through the same wrapper module as the control plane (kube-build.ts: a
// go.mod that replaces every ./staging module with its published v0.x release), and crictl from cri-tools,
// which nodeDown needs to remove pods through the CRI (so CNI releases their addresses and namespaces).
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stagingModules, versionLdflags, wrapperGoMod } from '../kube-build.js';
import { progress, run } from '../proc.js';
import type { Settings } from '../settings.js';
import { nodeVersions } from './node-settings.js';

function goEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GOFLAGS: '-mod=mod -buildvcs=false' };
}

export function kubeletPath(s: Settings): string {
  return path.join(s.cache, `kubelet-${s.versions.kubernetes.version}`, 'bin', 'kubelet');
}

export function crictlPath(s: Settings): string {
  return path.join(s.cache, `cri-tools-${nodeVersions().criTools}`, 'bin', 'crictl');
}

/** The module's own source folder (GOMODCACHE), for build/pause and kubeadm's constants. */
export async function kubernetesModuleDir(s: Settings): Promise<string> {
  const src = path.join(s.cache, `kubelet-${s.versions.kubernetes.version}`, 'src');
  mkdirSync(src, { recursive: true });
  const info = JSON.parse(
    await run('go', ['mod', 'download', '-json', `k8s.io/kubernetes@${s.versions.kubernetes.version}`], {
      cwd: src,
      env: goEnv(),
    }),
  ) as { Dir: string; GoMod: string };
  return info.Dir;
}

export function nodeBinariesInstalled(s: Settings): boolean {
  return existsSync(kubeletPath(s)) && existsSync(crictlPath(s));
}

export async function buildNodeBinaries(s: Settings): Promise<void> {
  const { version, stagingVersion } = s.versions.kubernetes;
  const kubelet = kubeletPath(s);
  if (!existsSync(kubelet)) {
    const src = path.join(s.cache, `kubelet-${version}`, 'src');
    const moduleDir = await kubernetesModuleDir(s);
    const upstream = readFileSync(path.join(moduleDir, 'go.mod'), 'utf8');
    writeFileSync(path.join(src, 'go.mod'), wrapperGoMod(version, stagingVersion, stagingModules(upstream)));
    rmSync(path.join(src, 'go.sum'), { force: true });
    const partial = `${kubelet}.partial-${process.pid}`;
    mkdirSync(path.dirname(kubelet), { recursive: true });
    progress(`kubelet: go build k8s.io/kubernetes/cmd/kubelet@${version} (5-15 minutes with a warm cache)`);
    await run(
      'go',
      ['build', '-ldflags', versionLdflags(version), '-o', partial, 'k8s.io/kubernetes/cmd/kubelet'],
      {
        cwd: src,
        env: goEnv(),
        inherit: true,
      },
    );
    renameSync(partial, kubelet);
    progress(`kubelet: cached in ${kubelet}`);
  }
  const crictl = crictlPath(s);
  if (!existsSync(crictl)) {
    const tag = nodeVersions().criTools;
    progress(`crictl: go install sigs.k8s.io/cri-tools/cmd/crictl@${tag}`);
    await run('go', ['install', `sigs.k8s.io/cri-tools/cmd/crictl@${tag}`], {
      env: { ...process.env, GOFLAGS: '-buildvcs=false', GOBIN: path.dirname(crictl) },
      inherit: true,
    });
  }
}
