// The images' build steps, read from Dockerfile.relay and Dockerfile.operator and performed outside a
// container (there is no container engine here): `npm ci`, the build and the prune run in a scratch
// folder, the final stage's COPYs assemble the image's /app, and the entry points start from there under
// the pinned tini, as the image's unprivileged user.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../support/operator.js';
import { relayEnv, testDb, waitReady } from '../support/relay-harness.js';
import { createNamespace, createPostgresDatabase, eventually, kubectl } from '../support/servers.js';
import { repoRoot } from '../devenv/paths.js';
import { inImage, listFiles, type StageCache } from './build-steps.js';
import {
  hostArgv,
  newScratch,
  replayImage,
  startEntrypoint,
  untilExit,
  type ReplayedImage,
} from './images.js';
import { ensureTool } from './tools/install.js';
import { requireTool } from './tools/tools.js';

interface Lock {
  packages: Record<string, { dev?: boolean }>;
}
const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const lock = JSON.parse(readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as Lock;

const images = [
  {
    file: 'Dockerfile.relay',
    program: 'relay',
    usage: 'usage: outbox-relay ',
    helpAlso: 'KAFKA_HOST',
  },
  {
    file: 'Dockerfile.operator',
    program: 'operator',
    usage: 'usage: outbox-relay-operator',
    helpAlso: '--relay-image',
  },
] as const;

describe('the images built from the Dockerfiles', () => {
  const scratch = newScratch();
  const cache: StageCache = new Map();
  const built = new Map<string, ReplayedImage>();

  beforeAll(async () => {
    // The pinned tini first: when it cannot be had, fail before minutes of building.
    await ensureTool('tini');
    for (const image of images) built.set(image.file, await replayImage(image.file, scratch, cache));
  }, 900_000);

  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  describe.each(images)('$file', ({ file, program, usage, helpAlso }) => {
    const image = () => built.get(file) as ReplayedImage;
    const app = () => inImage(image().final.root, '/app');

    it('has a build stage and a final stage from the same fully versioned Node.js base image', () => {
      const { dockerfile } = image();
      expect(dockerfile.stages.map((s) => s.from)).toEqual(['${NODE_IMAGE}', '${NODE_IMAGE}']);
      const base = dockerfile.globalArgs.NODE_IMAGE ?? '';
      expect(base).toMatch(/^node:\d+\.\d+\.\d+-bookworm-slim$/);
      // The major the tests run on, which package.json's engines allows.
      expect(base.split(/[:.]/)[1]).toBe(process.versions.node.split('.')[0]);
    });

    it('ships dist/, the production node_modules and package.json, nothing else', () => {
      expect(
        listFiles(app())
          .map((f) => f.split('/')[0])
          .filter((v, i, a) => a.indexOf(v) === i)
          .sort(),
      ).toEqual(['dist', 'node_modules', 'package.json']);
      expect(listFiles(path.join(app(), 'dist')).every((f) => f.startsWith(`${program}/`))).toBe(true);
      expect(existsSync(path.join(app(), 'dist', program, 'main.js'))).toBe(true);
    });

    it('holds no test, test double, TypeScript source or golden file', () => {
      const files = listFiles(path.join(app(), 'dist'));
      expect(files.length).toBeGreaterThan(10);
      expect(
        files.filter((f) => /\.test\.|(^|\/)testing\/|(^|\/)fake-|(^|\/)testdata\/|\.ts$|\.md$/.test(f)),
      ).toEqual([]);
    });

    it('holds every production dependency and no development dependency', () => {
      const modules = path.join(app(), 'node_modules');
      for (const name of Object.keys(pkg.dependencies)) {
        expect(existsSync(path.join(modules, name, 'package.json'))).toBe(true);
      }
      const devOnly = Object.entries(lock.packages)
        .filter(([where, entry]) => where.startsWith('node_modules/') && entry.dev === true)
        .map(([where]) => where);
      expect(devOnly).toEqual(expect.arrayContaining(['node_modules/jest', 'node_modules/typescript']));
      expect(devOnly.filter((where) => existsSync(path.join(app(), where)))).toEqual([]);
    });

    it('runs as a numeric unprivileged user, under tini from the pinned Debian package', () => {
      expect(image().user).toMatch(/^[1-9]\d*:[1-9]\d*$/);
      expect(image().entrypoint.slice(0, 3)).toEqual(['/usr/bin/tini', '--', 'node']);
      expect(image().entrypoint[3]).toBe(`/app/dist/${program}/main.js`);
      const runs = image().final.skippedRuns.map((r) => r.args);
      // The final stage's only RUN installs tini at a pinned version; anything else would need replaying.
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatch(/apt-get install -y --no-install-recommends tini=\S+ /);
      const tini = hostArgv(image(), [])[0] as string;
      expect(readFileSync(tini)).toEqual(readFileSync(requireTool('tini')));
    });

    it("is labelled with package.json's version", () => {
      expect(image().final.labels['org.opencontainers.image.version']).toBe(pkg.version);
      expect(image().final.labels['org.opencontainers.image.licenses']).toBe('Apache-2.0');
    });

    it('starts its entry point and prints its usage', async () => {
      const exit = await untilExit(startEntrypoint(image(), ['--help']));
      expect(exit.output).toContain(usage);
      expect(exit.output).toContain(helpAlso);
      expect(exit.code).toBe(0);
    });
  });

  it('relay: tini passes SIGTERM on to node, which drains and exits 0', async () => {
    const database = await createPostgresDatabase('image_signals');
    try {
      const port = await freePort();
      const env = relayEnv(testDb('postgres', database), { HTTP_PORT: String(port), LOG_LEVEL: 'info' });
      const child = startEntrypoint(built.get('Dockerfile.relay') as ReplayedImage, [], env);
      const exit = untilExit(child);
      await Promise.race([
        waitReady(port),
        exit.then((e) => Promise.reject(new Error(`exited: ${e.output}`))),
      ]);
      child.kill('SIGTERM');
      const { code, output } = await exit;
      expect(output).toContain('shutting down');
      expect(code).toBe(0);
    } finally {
      await database.drop();
    }
  });

  it('operator: tini passes SIGTERM on to node, which stops and exits 0', async () => {
    const ns = await createNamespace('image-signals');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'outbox-kubeconfig-'));
    try {
      // The admin kubeconfig with its certificates inlined, readable by the image's user.
      chmodSync(dir, 0o755);
      const kubeconfig = path.join(dir, 'kubeconfig');
      writeFileSync(kubeconfig, await kubectl(['config', 'view', '--raw', '--minify', '--flatten']), {
        mode: 0o644,
      });
      const health = await freePort();
      const child = startEntrypoint(built.get('Dockerfile.operator') as ReplayedImage, [
        `--kubeconfig=${kubeconfig}`,
        `--namespace=${ns.name}`,
        '--leader-elect=false',
        '--metrics-port=0',
        `--health-port=${health}`,
      ]);
      const exit = untilExit(child);
      await Promise.race([
        eventually('the operator to be ready', async () =>
          (await fetch(`http://127.0.0.1:${health}/readyz`)).ok ? true : undefined,
        ),
        exit.then((e) => Promise.reject(new Error(`exited: ${e.output}`))),
      ]);
      child.kill('SIGTERM');
      const { code, output } = await exit;
      expect(output).toContain('stopping');
      expect(code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await ns.remove();
    }
  });

  it('both Dockerfiles pin the same base image and tini', () => {
    const relay = readFileSync(path.join(repoRoot, 'Dockerfile.relay'), 'utf8');
    const operator = readFileSync(path.join(repoRoot, 'Dockerfile.operator'), 'utf8');
    const pins = (text: string) => [/^ARG NODE_IMAGE=(\S+)/m.exec(text)?.[1], /\btini=(\S+)/.exec(text)?.[1]];
    expect(pins(relay)).toEqual(pins(operator));
    expect(pins(relay).every((p) => p !== undefined)).toBe(true);
  });
});
