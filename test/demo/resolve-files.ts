// The files a kubelet would mount for a rendered container: each Secret volume's items written under a local
// folder, with the volume's mode, and the container's environment values that name a path under a mount
// (the *_FILE variables) pointed at the local copy. With resolveEnv, a rendered container runs outside a
// cluster exactly as its pod would: the same variables, the same files, the same modes.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { resolveEnv, type EnvVar, type SecretData } from './resolve-env.js';

export interface PodVolume {
  name: string;
  secret?: { secretName: string; defaultMode?: number; items?: Array<{ key: string; path: string }> };
}

export interface RenderedContainer {
  env?: EnvVar[];
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}

/** The kubelet's default mode of a Secret volume's files. */
const DEFAULT_MODE = 0o644;

/**
 * Writes the Secret volumes the container mounts under `root` (one folder per mount); returns each mount
 * path with its local folder. A key missing from the Secret fails, as the kubelet fails the mount.
 */
export function writeSecretVolumes(
  container: RenderedContainer,
  volumes: PodVolume[],
  secrets: SecretData,
  root: string,
): Map<string, string> {
  const local = new Map<string, string>();
  for (const mount of container.volumeMounts ?? []) {
    const volume = volumes.find((v) => v.name === mount.name);
    if (!volume?.secret) continue;
    const { secretName, defaultMode, items } = volume.secret;
    const data = secrets[secretName];
    if (!data) throw new Error(`volume ${volume.name}: no Secret ${secretName}`);
    const dir = path.join(root, volume.name);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const entries = items ?? Object.keys(data).map((key) => ({ key, path: key }));
    for (const item of entries) {
      const value = data[item.key];
      if (value === undefined)
        throw new Error(`volume ${volume.name}: Secret ${secretName} has no key ${item.key}`);
      const file = path.join(dir, item.path);
      writeFileSync(file, value, { mode: 0o600 });
      chmodSync(file, defaultMode ?? DEFAULT_MODE);
    }
    local.set(mount.mountPath, dir);
  }
  return local;
}

/** Values that name a path under a mount, pointed at its local copy; the others as they are. */
export function relocatePaths(
  env: Record<string, string>,
  mounts: Map<string, string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    const mount = [...mounts.keys()].find((m) => value.startsWith(`${m}/`));
    out[name] = mount ? path.join(mounts.get(mount)!, value.slice(mount.length + 1)) : value;
  }
  return out;
}

/** The environment and the files the kubelet would give the container; the files go under `root`. */
export function resolveContainer(
  container: RenderedContainer,
  volumes: PodVolume[],
  secrets: SecretData,
  root: string,
): Record<string, string> {
  const env = resolveEnv(container.env ?? [], secrets);
  return relocatePaths(env, writeSecretVolumes(container, volumes, secrets, root));
}
