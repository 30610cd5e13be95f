// Assembles a one-layer container image as a `docker save` archive (manifest.json, config, layer.tar) from
// a folder, with tar and sha256 only: no registry, no Docker, no BuildKit. The pause image and the node's
// smoke-test image are made this way; containerd imports the archive like any `docker save` output.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { run } from '../proc.js';

export interface ImageSpec {
  /** e.g. registry.k8s.io/pause:3.10.1 */
  tag: string;
  /** the folder that becomes the image's root file system (owned by root:root in the layer) */
  rootfs: string;
  entrypoint: string[];
  cmd?: string[];
  /** uid:gid */
  user?: string;
  env?: string[];
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Writes the archive to `out` (atomically); deterministic for the same folder. */
export async function writeImageTar(spec: ImageSpec, out: string): Promise<void> {
  const work = `${out}.work-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    const layerTmp = path.join(work, 'layer.tar');
    await run('tar', [
      ...['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '--format=gnu'],
      ...['-C', spec.rootfs, '-cf', layerTmp, '.'],
    ]);
    const diffId = sha256(readFileSync(layerTmp));
    mkdirSync(path.join(work, diffId));
    renameSync(layerTmp, path.join(work, diffId, 'layer.tar'));
    const created = '1970-01-01T00:00:00Z';
    const config = Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        created,
        config: {
          Entrypoint: spec.entrypoint,
          ...(spec.cmd ? { Cmd: spec.cmd } : {}),
          ...(spec.user ? { User: spec.user } : {}),
          Env: spec.env ?? ['PATH=/'],
        },
        rootfs: { type: 'layers', diff_ids: [`sha256:${diffId}`] },
        history: [{ created, created_by: 'kafka-outbox-relay devenv (tools/devenv/node/image-tar.ts)' }],
      }),
    );
    const configName = `${sha256(config)}.json`;
    writeFileSync(path.join(work, configName), config);
    const manifest = [{ Config: configName, RepoTags: [spec.tag], Layers: [`${diffId}/layer.tar`] }];
    writeFileSync(path.join(work, 'manifest.json'), JSON.stringify(manifest));
    const partial = `${out}.partial-${process.pid}`;
    await run('tar', [
      ...['--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '-C', work, '-cf', partial],
      ...['manifest.json', configName, `${diffId}/layer.tar`],
    ]);
    renameSync(partial, out);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
