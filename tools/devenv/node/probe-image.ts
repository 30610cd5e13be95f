// The node's smoke-test image, outbox-devenv/probe: probe/main.go compiled statically with the Go toolchain
// the devenv already has, packaged with image-tar.ts, run as uid 65532 so it passes restricted Pod Security.
// Cached by the source's hash, so editing probe/main.go rebuilds it.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../paths.js';
import { progress, run } from '../proc.js';
import type { Settings } from '../settings.js';
import { writeImageTar } from './image-tar.js';

export const PROBE_IMAGE = 'outbox-devenv/probe:1';
export const PROBE_UID = 65532;

const source = path.join(repoRoot, 'tools/devenv/node/probe/main.go');

export function probeImageTar(s: Settings): string {
  const hash = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 12);
  return path.join(s.cache, 'node-probe', hash, 'probe.tar');
}

export async function buildProbeImage(s: Settings): Promise<string> {
  const out = probeImageTar(s);
  if (existsSync(out)) return out;
  const rootfs = path.join(path.dirname(out), 'rootfs');
  rmSync(rootfs, { recursive: true, force: true });
  mkdirSync(rootfs, { recursive: true });
  progress(`probe: go build ${path.relative(repoRoot, source)} (static)`);
  await run('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', path.join(rootfs, 'probe'), source], {
    cwd: path.dirname(source),
    env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false' },
  });
  const user = `${PROBE_UID}:${PROBE_UID}`;
  await writeImageTar({ tag: PROBE_IMAGE, rootfs, entrypoint: ['/probe'], cmd: ['serve'], user }, out);
  rmSync(rootfs, { recursive: true, force: true });
  return out;
}
