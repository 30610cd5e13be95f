// Builds the Kubernetes control plane from its Go modules into the cache, once per version:
// kube-apiserver, kube-controller-manager, kube-scheduler and kubectl from k8s.io/kubernetes, and etcd
// from go.etcd.io/etcd/server/v3 at the version that Kubernetes release requires. k8s.io/kubernetes is not
// meant to be a dependency: its go.mod points each k8s.io/* staging module at ./staging. A wrapper module
// replaces each of them with its published v0.x release (the technique of kubernetes issue 79384).
// kwok, the simulated node, is installed from its own module.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { progress, run } from './proc.js';
import type { Settings } from './settings.js';

/** The version stamp of the release's binaries, so they report v1.x.y, not v0.0.0. */
export function versionLdflags(version: string): string {
  const minor = /^v1\.(\d+)\./.exec(version)?.[1] ?? '0';
  return [
    '-s',
    '-w',
    ...['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((pkg) => [
      `-X ${pkg}.gitVersion=${version}`,
      `-X ${pkg}.gitMajor=1`,
      `-X ${pkg}.gitMinor=${minor}`,
      `-X ${pkg}.gitTreeState=clean`,
    ]),
  ].join(' ');
}

export const KUBE_COMMANDS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl'];

export function kubeBinDir(s: Settings): string {
  return path.join(s.cache, `kubernetes-${s.versions.kubernetes.version}`, 'bin');
}

export function kwokBinDir(s: Settings): string {
  return path.join(s.cache, `kwok-${s.versions.kubernetes.kwok}`, 'bin');
}

export function kubeInstalled(s: Settings): boolean {
  return existsSync(path.join(kubeBinDir(s), '.complete')) && existsSync(path.join(kwokBinDir(s), 'kwok'));
}

/** The staging modules that k8s.io/kubernetes's go.mod points at ./staging/src/k8s.io/<name>. */
export function stagingModules(kubernetesGoMod: string): string[] {
  const found = new Set<string>();
  for (const match of kubernetesGoMod.matchAll(/^\s*(k8s\.io\/[\w.-]+)\s+=>\s+\.\/staging\//gm)) {
    found.add(match[1]!);
  }
  return [...found].sort();
}

export function wrapperGoMod(kubernetesVersion: string, stagingVersion: string, staging: string[]): string {
  return [
    'module devenv.local/kube',
    '',
    'go 1.24.0',
    '',
    `require k8s.io/kubernetes ${kubernetesVersion}`,
    '',
    'replace (',
    ...staging.map((m) => `\t${m} => ${m} ${stagingVersion}`),
    ')',
    '',
  ].join('\n');
}

const ETCD_MAIN = `package main

import (
\t"os"

\t"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
`;

function goEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GOFLAGS: '-mod=mod -buildvcs=false' };
}

/** The etcd version k8s.io/kubernetes requires, so the pair is one Kubernetes has been tested with. */
export function requiredEtcd(kubernetesGoMod: string): string | undefined {
  return /go\.etcd\.io\/etcd\/server\/v3 (v[\d.]+)/.exec(kubernetesGoMod)?.[1];
}

export async function kubeInstall(s: Settings): Promise<void> {
  const { version, stagingVersion, etcd, kwok } = s.versions.kubernetes;
  const bin = kubeBinDir(s);
  if (!existsSync(path.join(bin, '.complete'))) {
    const src = path.join(s.cache, `kubernetes-${version}`, 'src');
    mkdirSync(path.join(src, 'etcd'), { recursive: true });
    progress(`kubernetes: fetching k8s.io/kubernetes@${version} go.mod`);
    const info = JSON.parse(
      await run('go', ['mod', 'download', '-json', `k8s.io/kubernetes@${version}`], {
        cwd: src,
        env: goEnv(),
      }),
    ) as { GoMod: string };
    const upstream = readFileSync(info.GoMod, 'utf8');
    const wanted = requiredEtcd(upstream);
    if (wanted && wanted !== etcd) {
      throw new Error(`versions.json pins etcd ${etcd} but k8s.io/kubernetes ${version} requires ${wanted}`);
    }
    writeFileSync(path.join(src, 'go.mod'), wrapperGoMod(version, stagingVersion, stagingModules(upstream)));
    rmSync(path.join(src, 'go.sum'), { force: true });
    writeFileSync(path.join(src, 'etcd', 'main.go'), ETCD_MAIN);
    await run('go', ['get', `go.etcd.io/etcd/server/v3@${etcd}`], { cwd: src, env: goEnv() });
    const ldflags = versionLdflags(version);
    const partial = `${bin}.partial-${process.pid}`;
    mkdirSync(partial, { recursive: true });
    progress(`kubernetes: go build ${KUBE_COMMANDS.join(', ')} and etcd (a cold build takes 15-30 minutes)`);
    await run(
      'go',
      [
        'build',
        '-ldflags',
        ldflags,
        '-o',
        partial + '/',
        ...KUBE_COMMANDS.map((c) => `k8s.io/kubernetes/cmd/${c}`),
        './etcd',
      ],
      { cwd: src, env: goEnv(), inherit: true },
    );
    writeFileSync(path.join(partial, '.complete'), `${version} etcd ${etcd}\n`);
    rmSync(bin, { recursive: true, force: true });
    renameSync(partial, bin);
    progress(`kubernetes: binaries cached in ${bin}`);
  }
  const kwokBin = kwokBinDir(s);
  if (!existsSync(path.join(kwokBin, 'kwok'))) {
    progress(`kwok: go install sigs.k8s.io/kwok/cmd/kwok@${kwok}`);
    await run('go', ['install', `sigs.k8s.io/kwok/cmd/kwok@${kwok}`], {
      env: { ...goEnv(), GOFLAGS: '-buildvcs=false', GOBIN: kwokBin },
      inherit: true,
    });
  }
}
