// The servers' images built here, where no registry serves the official ones: each Dockerfile under
// images/ builds FROM the debian:bookworm-slim stand-in (../debian-image.ts) with BuildKit on the devenv's
// engine, its RUN steps on the host's network (apt reaches Debian's mirror as the host does). A build is
// skipped when the image carries the digest of what it was built from (its folder's files, the Kafka
// jars, the debian base's id); otherwise BuildKit's cache makes an unchanged layer free.
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureDebianImage } from '../debian-image.js';
import { docker } from '../docker.js';
import { kafkaInstall } from '../kafka.js';
import { progress } from '../proc.js';
import type { Settings } from '../settings.js';
import { testcontainersDir, testcontainersVersions, type ServerName } from './versions.js';

const INPUTS_LABEL = 'dev.kafka-relay.outbox.inputs';
const FOLDER: Record<ServerName, string> = { postgres: 'postgres', mysql: 'mariadb', kafka: 'kafka' };

export interface BuiltImage {
  image: string;
  /** seconds the build took, or undefined when the image was already built from the same inputs */
  seconds?: number;
}

/** Where the devenv keeps the broker's jars (as tools/devenv/kafka.ts resolves them with Maven). */
function kafkaLibs(s: Settings): string {
  return path.join(s.cache, `kafka-${s.versions.kafka.version}`, 'libs');
}

function digestTree(hash: ReturnType<typeof createHash>, dir: string, contents: boolean): void {
  for (const name of readdirSync(dir).sort()) {
    const file = path.join(dir, name);
    const stat = statSync(file);
    if (stat.isDirectory()) {
      digestTree(hash, file, contents);
      continue;
    }
    hash.update(`${name}\0${stat.size}\0${stat.mode & 0o111}\0`);
    if (contents) hash.update(readFileSync(file));
  }
}

async function imageLabel(s: Settings, image: string, label: string): Promise<string | undefined> {
  const format = `{{index .Config.Labels "${label}"}}`;
  return docker(s, ['image', 'inspect', '--format', format, image]).then(
    (out) => out.trim() || undefined,
    () => undefined,
  );
}

/** The build context: the image's folder, and for Kafka the devenv's jars beside it in libs/. */
async function context(s: Settings, server: ServerName): Promise<{ dir: string; cleanup(): void }> {
  const folder = path.join(testcontainersDir, 'images', FOLDER[server]);
  if (server !== 'kafka') return { dir: folder, cleanup: () => undefined };
  const wanted = testcontainersVersions().kafka.kafkaVersion;
  if (s.versions.kafka.version !== wanted) {
    throw new Error(
      `testcontainers: the kafka image is pinned to ${wanted} but the devenv resolves ${s.versions.kafka.version}`,
    );
  }
  await kafkaInstall(s);
  const dir = mkdtempSync(path.join(tmpdir(), 'outbox-kafka-image-'));
  cpSync(folder, dir, { recursive: true });
  cpSync(kafkaLibs(s), path.join(dir, 'libs'), { recursive: true, filter: (f) => !f.endsWith('.complete') });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function ensureBuiltImage(s: Settings, server: ServerName): Promise<BuiltImage> {
  const versions = testcontainersVersions();
  const image = versions[server].built;
  await ensureDebianImage(s, versions.debian);
  const ctx = await context(s, server);
  try {
    const hash = createHash('sha256');
    hash.update(await docker(s, ['image', 'inspect', '--format', '{{.Id}}', versions.debian.tag]));
    // The jars by name and size (they are versioned files); the image's own files by content.
    digestTree(hash, path.join(testcontainersDir, 'images', FOLDER[server]), true);
    if (server === 'kafka') digestTree(hash, path.join(ctx.dir, 'libs'), false);
    const inputs = hash.digest('hex');
    if ((await imageLabel(s, image, INPUTS_LABEL)) === inputs) return { image };
    progress(`testcontainers: building ${image} from Debian's packages`);
    const started = Date.now();
    await docker(s, [
      'build',
      '--progress=plain',
      '--network=host',
      '--label',
      `${INPUTS_LABEL}=${inputs}`,
      '-t',
      image,
      ctx.dir,
    ]);
    const seconds = (Date.now() - started) / 1000;
    progress(`testcontainers: ${image} built in ${seconds.toFixed(0)} s`);
    return { image, seconds };
  } finally {
    ctx.cleanup();
  }
}
