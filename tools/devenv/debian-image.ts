// debian:<suite>-slim without a registry: where the official image can be pulled it is used; where it
// cannot, a stand-in with the same content is built from Debian's packages (debootstrap --variant=minbase,
// cleaned as Debian's slim images are: slim-rootfs.ts), tagged with the official name so a Dockerfile's
// `FROM debian:bookworm-slim` works unchanged, and saved as an image archive in the cache folder beside
// the node base (image-archive.ts). The testcontainers images (tools/devenv/testcontainers/) build on it.
import path from 'node:path';
import { debootstrapSlim, packRootfs, type DebianRelease } from './debian-rootfs.js';
import { docker } from './docker.js';
import { ensureArchivedImage, inRootfsWorkdir, type ImageSource } from './image-archive.js';
import type { Settings } from './settings.js';

export interface DebianImage extends DebianRelease {
  /** exactly the official name, e.g. debian:bookworm-slim */
  tag: string;
}

export function ensureDebianImage(s: Settings, image: DebianImage): Promise<ImageSource> {
  return ensureArchivedImage(s, image.tag, 'debian image', () => buildDebianStandIn(s, image));
}

async function buildDebianStandIn(s: Settings, image: DebianImage): Promise<void> {
  await inRootfsWorkdir(s, image.tag, async (work, root) => {
    await debootstrapSlim(root, image, 'debian image');
    const layer = path.join(work, 'rootfs.tar');
    await packRootfs(root, layer);
    // What the official image's config holds: its PATH and bash as the command.
    await docker(s, [
      'import',
      '--change',
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      '--change',
      'CMD ["bash"]',
      layer,
      image.tag,
    ]);
  });
}
