// Turns a debootstrap minbase tree into what Debian's own slim container images hold: no package lists,
// downloaded packages, docs, man pages or translations, and the apt and dpkg settings those images carry
// (apt keeps no caches, so a Dockerfile's `apt-get install` adds only the package to its layer; dpkg
// installs no docs). The sources are Debian's deb822 list with the updates and security suites.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const CLEAN =
  'rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true';

export const SLIM_FILES = {
  aptClean: [
    `DPkg::Post-Invoke { "${CLEAN}"; };`,
    `APT::Update::Post-Invoke { "${CLEAN}"; };`,
    'Dir::Cache::pkgcache "";',
    'Dir::Cache::srcpkgcache "";',
    '',
  ].join('\n'),
  aptLanguages: 'Acquire::Languages "none";\n',
  aptGzipIndexes: 'Acquire::GzipIndexes "true";\n',
  aptNoSuggests: 'Apt::AutoRemove::SuggestsImportant "false";\n',
  dpkgExcludes: [
    'path-exclude /usr/share/doc/*',
    'path-include /usr/share/doc/*/copyright',
    'path-exclude /usr/share/info/*',
    'path-exclude /usr/share/man/*',
    'path-exclude /usr/share/locale/*',
    'path-include /usr/share/locale/locale.alias',
    '',
  ].join('\n'),
  sources: (suite: string) =>
    [
      'Types: deb',
      'URIs: http://deb.debian.org/debian',
      `Suites: ${suite} ${suite}-updates`,
      'Components: main',
      'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg',
      '',
      'Types: deb',
      'URIs: http://deb.debian.org/debian-security',
      `Suites: ${suite}-security`,
      'Components: main',
      'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg',
      '',
    ].join('\n'),
  // The official node images' entrypoint: a first argument that is a flag or not a command runs node.
  entrypoint: [
    '#!/bin/sh',
    'set -e',
    '',
    'if [ "${1#-}" != "${1}" ] || [ -z "$(command -v "${1}")" ] || { [ -f "${1}" ] && ! [ -x "${1}" ]; }; then',
    '  set -- node "$@"',
    'fi',
    '',
    'exec "$@"',
    '',
  ].join('\n'),
};

function emptyDir(dir: string, keep: (name: string) => boolean = () => false): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) if (!keep(name)) rmSync(path.join(dir, name), { recursive: true, force: true });
}

export function slimRootfs(root: string, suite: string): void {
  const at = (p: string) => path.join(root, p);
  emptyDir(at('var/cache/apt/archives'), (name) => name === 'partial' || name === 'lock');
  rmSync(at('var/cache/apt/pkgcache.bin'), { force: true });
  rmSync(at('var/cache/apt/srcpkgcache.bin'), { force: true });
  emptyDir(at('var/lib/apt/lists'), (name) => name === 'partial' || name === 'lock');
  emptyDir(at('usr/share/man'));
  emptyDir(at('usr/share/info'));
  emptyDir(at('usr/share/locale'), (name) => name === 'locale.alias');
  // Docs: only each package's copyright notice stays.
  for (const pkg of readdirSync(at('usr/share/doc'))) {
    emptyDir(path.join(at('usr/share/doc'), pkg), (name) => name === 'copyright');
  }
  mkdirSync(at('etc/apt/apt.conf.d'), { recursive: true });
  mkdirSync(at('etc/dpkg/dpkg.cfg.d'), { recursive: true });
  writeFileSync(at('etc/apt/apt.conf.d/docker-clean'), SLIM_FILES.aptClean);
  writeFileSync(at('etc/apt/apt.conf.d/docker-no-languages'), SLIM_FILES.aptLanguages);
  writeFileSync(at('etc/apt/apt.conf.d/docker-gzip-indexes'), SLIM_FILES.aptGzipIndexes);
  writeFileSync(at('etc/apt/apt.conf.d/docker-autoremove-suggests'), SLIM_FILES.aptNoSuggests);
  writeFileSync(at('etc/dpkg/dpkg.cfg.d/docker'), SLIM_FILES.dpkgExcludes);
  rmSync(at('etc/apt/sources.list'), { force: true });
  mkdirSync(at('etc/apt/sources.list.d'), { recursive: true });
  writeFileSync(at('etc/apt/sources.list.d/debian.sources'), SLIM_FILES.sources(suite));
}
