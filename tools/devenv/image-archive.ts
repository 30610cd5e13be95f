// An image the engine may have, may pull, or else gets from an archive in the cache folder, built once when
// the archive is missing: the path of both stand-ins for base images no registry serves here (node's and
// debian's). A fresh clone on the machine loads the archive in seconds; the build runs once per machine.
import { mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { docker } from './docker.js';
import { progress } from './proc.js';
import type { Settings } from './settings.js';

export type ImageSource = 'present' | 'pulled' | 'loaded' | 'built';

export function imageArchive(s: Settings, tag: string): string {
  return path.join(s.cache, 'images', `${tag.replace(/[:/]/g, '_')}.tar`);
}

export function imagePresent(s: Settings, tag: string): Promise<boolean> {
  return docker(s, ['image', 'inspect', '--format', '{{.Id}}', tag]).then(
    () => true,
    () => false,
  );
}

/** The line of a docker error that says what went wrong (e.g. "... no such host"). */
export function firstErrorLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n').find((l) => l.includes('Error')) ?? text.split('\n')[0] ?? '';
}

export async function tryPull(s: Settings, tag: string, what: string): Promise<boolean> {
  return docker(s, ['pull', '--quiet', tag]).then(
    () => true,
    (error: unknown) => {
      progress(`${what}: ${tag} cannot be pulled (${firstErrorLine(error)}); using a local build`);
      return false;
    },
  );
}

/**
 * Makes `tag` available: present, pulled, loaded from its archive, or built. `build` tags the image in
 * the engine; it is then saved to the archive (written aside and renamed, so a broken build leaves none).
 */
export async function ensureArchivedImage(
  s: Settings,
  tag: string,
  what: string,
  build: () => Promise<void>,
): Promise<ImageSource> {
  if (await imagePresent(s, tag)) return 'present';
  if (await tryPull(s, tag, what)) return 'pulled';
  const saved = imageArchive(s, tag);
  const loaded = await docker(s, ['load', '--quiet', '--input', saved]).then(
    () => true,
    () => false,
  );
  if (loaded) return 'loaded';
  const started = Date.now();
  await build();
  mkdirSync(path.dirname(saved), { recursive: true });
  const partial = `${saved}.partial`;
  await docker(s, ['save', '--output', partial, tag]);
  renameSync(partial, saved);
  progress(`${what}: ${tag} built in ${((Date.now() - started) / 1000).toFixed(0)} s, saved to ${saved}`);
  return 'built';
}

/**
 * Runs `build` with a scratch folder beside the image's archive (in the cache, on the same disk) and a
 * `rootfs` path inside it for debootstrap; the folder is removed afterwards, whatever happened.
 */
export async function inRootfsWorkdir(
  s: Settings,
  tag: string,
  build: (work: string, root: string) => Promise<void>,
): Promise<void> {
  const cache = path.dirname(imageArchive(s, tag));
  mkdirSync(cache, { recursive: true });
  const work = mkdtempSync(path.join(cache, 'build-'));
  try {
    await build(work, path.join(work, 'rootfs'));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
