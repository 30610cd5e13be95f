// A Debian root file system as Debian's slim container images hold it: debootstrap --variant=minbase from
// Debian's mirror, then cleaned as those images are (slim-rootfs.ts), packed as one layer for
// `docker import`. Both base-image stand-ins start from it.
import { run, progress } from './proc.js';
import { slimRootfs } from './slim-rootfs.js';

export interface DebianRelease {
  /** e.g. bookworm */
  suite: string;
  /** e.g. http://deb.debian.org/debian */
  mirror: string;
}

export async function debootstrapSlim(root: string, release: DebianRelease, what: string): Promise<void> {
  progress(`${what}: debootstrap ${release.suite} (minbase) from ${release.mirror}`);
  await run('debootstrap', ['--variant=minbase', release.suite, root, release.mirror]);
  slimRootfs(root, release.suite);
}

/** The tree as one uncompressed layer, owners kept as numbers. */
export async function packRootfs(root: string, layer: string): Promise<void> {
  await run('tar', ['--numeric-owner', '-C', root, '-cf', layer, '.']);
}
