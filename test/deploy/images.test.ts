// The two images as images: built by the local engine's BuildKit from Dockerfile.relay and
// Dockerfile.operator, inspected, and run as containers the way the operator's pods run them (the image's
// user, read-only root file system, no capabilities, no new privileges) against the local servers.
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../../tools/devenv/paths.js';
import { freePort, installCrd, relayWithSecret, serviceAccountKubeconfig } from '../support/operator.js';
import {
  collect,
  createTestDb,
  dbQuery,
  insertRows,
  outboxState,
  relayEnv,
  type TestDb,
} from '../support/relay-harness.js';
import { holdKafkaForFile } from '../support/kafka-lock.js';
import { createNamespace, createTopic, eventually, kubectl, type TestDatabase } from '../support/servers.js';
import {
  buildImage,
  docker,
  ensureImages,
  IMAGE_PROGRAMS,
  imageTag,
  runContainer,
  runToEnd,
  type Container,
} from '../../tools/deploy/images.js';

interface ImageConfig {
  Config: { User: string; Entrypoint: string[]; Cmd: string[] | null; Labels: Record<string, string> };
}

const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
const lock = JSON.parse(readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { dev?: boolean }>;
};
/** What each image must not hold, beyond dev packages and type declarations. */
const FORBIDDEN: Record<(typeof IMAGE_PROGRAMS)[number], string[]> = {
  relay: ['@kubernetes/client-node'],
  operator: ['pg', 'mysql2', 'kafkajs'],
};
/** node_modules budgets, in MB (the targets). */
const BUDGET_MB = { relay: 30, operator: 70 };

async function inspect(tag: string): Promise<ImageConfig> {
  return (JSON.parse(await docker(['image', 'inspect', tag])) as ImageConfig[])[0]!;
}

/** Runs node inside the image (as its user) and returns what the script printed. */
async function nodeIn(tag: string, script: string): Promise<string> {
  return docker(['run', '--rm', '--network=none', '--entrypoint', 'node', tag, '-e', script]);
}

/** Every package directory under /app/node_modules of the image, as lockfile locations. */
async function packagesIn(tag: string): Promise<string[]> {
  const script = `
    const fs = require('fs'), path = require('path');
    const out = [];
    const walk = (dir, prefix) => {
      for (const name of fs.readdirSync(dir)) {
        if (name.startsWith('.')) continue;
        const full = path.join(dir, name);
        if (name.startsWith('@')) { walk(full, prefix + name + '/'); continue; }
        const where = prefix + name;
        out.push(where);
        if (fs.existsSync(path.join(full, 'node_modules'))) walk(path.join(full, 'node_modules'), where + '/node_modules/');
      }
    };
    walk('/app/node_modules', 'node_modules/');
    console.log(JSON.stringify(out));`;
  return JSON.parse(await nodeIn(tag, script)) as string[];
}

describe('the images, built with BuildKit', () => {
  beforeAll(async () => {
    await ensureImages();
  }, 900_000);

  describe.each(IMAGE_PROGRAMS)('the %s image', (program) => {
    const tag = imageTag(program);

    it('runs node as uid 65532 under tini, labelled with the package version', async () => {
      const { Config } = await inspect(tag);
      expect(Config.User).toBe('65532:65532');
      expect(Config.Entrypoint).toEqual(['/usr/bin/tini', '--', 'node', `/app/dist/${program}/main.js`]);
      expect(Config.Labels['org.opencontainers.image.version']).toBe(pkg.version);
      expect(Config.Labels['org.opencontainers.image.licenses']).toBe('Apache-2.0');
      expect((await nodeIn(tag, 'console.log(process.getuid(), process.version)')).trim()).toBe(
        `65532 ${process.version}`,
      );
    });

    it('ships its own program and its runtime packages, nothing else', async () => {
      const top = JSON.parse(
        await nodeIn(tag, "console.log(JSON.stringify(require('fs').readdirSync('/app').sort()))"),
      );
      expect(top).toEqual(['dist', 'node_modules', 'package.json']);
      const dist = JSON.parse(
        await nodeIn(tag, "console.log(JSON.stringify(require('fs').readdirSync('/app/dist')))"),
      );
      expect(dist).toEqual([program]);
      const packages = await packagesIn(tag);
      const devOnly = packages.filter((where) => lock.packages[where]?.dev === true);
      const types = packages.filter((where) => /(^|\/)@types\//.test(where));
      const forbidden = packages.filter((where) =>
        FORBIDDEN[program].some((name) => where === `node_modules/${name}`),
      );
      expect({ devOnly, types, forbidden }).toEqual({ devOnly: [], types: [], forbidden: [] });
      const declarations = await nodeIn(
        tag,
        `const {execSync} = require('child_process');` +
          `console.log(execSync("find /app -name '*.d.ts' -o -path '/app/dist/*' -name '*.test.js' | head -5").toString())`,
      );
      expect(declarations.trim()).toBe('');
    });

    it(`keeps node_modules within its budget`, async () => {
      const kb = Number(
        (
          await docker([
            'run',
            '--rm',
            '--network=none',
            '--entrypoint',
            'du',
            tag,
            '-sk',
            '/app/node_modules',
          ])
        ).split(/\s/)[0],
      );
      expect(kb / 1024).toBeLessThanOrEqual(BUDGET_MB[program]);
    });

    it('prints its usage from its entry point', async () => {
      const usage = await docker(['run', '--rm', '--network=none', tag, '--help']);
      expect(usage).toContain(program === 'relay' ? 'usage: outbox-relay ' : 'usage: outbox-relay-operator');
    });
  });

  it('keeps the npm settings given as a build secret out of every layer', async () => {
    const marker = `build-secret-${randomBytes(8).toString('hex')}`;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'outbox-npmrc-'));
    try {
      const npmrc = path.join(dir, 'npmrc');
      writeFileSync(npmrc, `# ${marker}\nfund=false\n`);
      // --no-cache: the secret must reach a step that really runs.
      await buildImage('relay', [
        '--no-cache',
        '--secret',
        `id=npmrc,src=${npmrc}`,
        '-t',
        'kafka-outbox-relay/secret-check:test',
      ]);
      const saved = path.join(dir, 'image.tar');
      await docker(['save', '--output', saved, 'kafka-outbox-relay/secret-check:test']);
      expect(readFileSync(saved).includes(marker)).toBe(false);
    } finally {
      await docker(['rmi', '--force', 'kafka-outbox-relay/secret-check:test']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);

  it('fails at the npm ci step when npm installs nothing, even when npm exits 0', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'outbox-npmrc-'));
    try {
      // dry-run: npm ci exits 0 and installs nothing, as npm did here once without the registry's CA.
      const npmrc = path.join(dir, 'npmrc');
      writeFileSync(npmrc, 'dry-run=true\n');
      const failure = await buildImage('relay', [
        '--no-cache',
        '--target=build',
        '--secret',
        `id=npmrc,src=${npmrc}`,
        '-t',
        'kafka-outbox-relay/npm-check:test',
      ]).then(
        () => 'built',
        (error: unknown) => String((error as { output?: string }).output ?? error),
      );
      expect(failure).not.toBe('built');
      expect(failure).toMatch(/ERROR.*npm ci/s);
      expect(failure).toContain('test -f node_modules/.package-lock.json');
      expect(failure).not.toContain('tsc: not found');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});

describe.each(['postgres', 'mysql'] as const)('the relay image as a container, on %s', (driver) => {
  holdKafkaForFile();
  let database: TestDatabase<object>;
  let db: TestDb;
  const containers: Container[] = [];

  beforeAll(async () => {
    await ensureImages();
    ({ database, db } = await createTestDb(driver, 'relay_image'));
  }, 900_000);

  afterAll(async () => {
    await Promise.all(containers.map((c) => c.remove()));
    await database?.drop();
  });

  it('migrates, publishes committed rows to Kafka, and on docker stop drains and exits 0', async () => {
    // The image's own HTTP_PORT (8080) unless a test sets one; the jobs need no Kafka setting.
    const env = (extra: Record<string, string> = {}) => {
      const { HTTP_PORT: _port, ...rest } = relayEnv(db, { LOG_LEVEL: 'info' });
      return { ...rest, ...extra };
    };
    const { KAFKA_HOST: _kafka, ...jobEnv } = env();
    const migrate = await runToEnd(imageTag('relay'), ['migrate'], jobEnv);
    expect(migrate).toMatchObject({ code: 0 });
    expect(migrate.output).toMatch(new RegExp(`${db.name}: (applied|up to date)`));

    const topic = await createTopic(`relay-image-${driver}`, 2);
    const port = await freePort();
    const relay = await runContainer(
      imageTag('relay'),
      ['run'],
      env({ HTTP_PORT: String(port), SHUTDOWN_TIMEOUT_MS: '8000' }),
    );
    containers.push(relay);
    await eventually('the relay container to be ready', async () => {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
      return res?.ok ? true : undefined;
    });
    const ids = await insertRows(
      db,
      Array.from({ length: 200 }, (_, i) => ({ topic, key: `k${i % 7}`, payload: JSON.stringify({ i }) })),
    );
    const collector = await collect([topic]);
    try {
      const received = await collector.waitFor(ids.length);
      expect(new Set(received.map((m) => m.id))).toEqual(new Set(ids));
    } finally {
      await collector.stop();
    }
    await eventually('every row marked published', async () =>
      (await outboxState(db)).every((r) => r.published) ? true : undefined,
    );

    // More rows, then docker stop at once: SIGTERM reaches node through tini, the relay drains and exits 0.
    await insertRows(
      db,
      Array.from({ length: 500 }, (_, i) => ({ topic, key: `k${i % 7}` })),
    );
    const stopped = Date.now();
    await docker(['stop', '--time=30', relay.id]);
    const seconds = (Date.now() - stopped) / 1000;
    expect(await relay.wait()).toBe(0);
    expect(seconds).toBeLessThan(8 + 2);
    const logs = await relay.logs();
    expect(logs).toContain('"msg":"shutting down"');
    expect(logs).not.toContain(db.password);
    const unresolved = await dbQuery(
      db,
      'SELECT COUNT(*) AS n FROM kafka_outbox WHERE batch_id IS NOT NULL AND push_completed_at IS NULL',
    );
    expect(Number(unresolved[0]!.n)).toBe(0);
  }, 180_000);

  it('runs cleanup and optimize to exit 0 with no Kafka setting', async () => {
    for (const job of ['cleanup', 'optimize']) {
      const { KAFKA_HOST: _kafka, HTTP_PORT: _port, ...env } = relayEnv(db, { SKIP_MIGRATIONS: 'true' });
      const result = await runToEnd(imageTag('relay'), [job], env);
      expect({ job, code: result.code }).toEqual({ job, code: 0 });
      expect(result.output).toContain(
        job === 'cleanup' ? `${db.name}: deleted` : `${db.name}: optimized kafka_outbox`,
      );
    }
  }, 120_000);
});

describe('the operator image as a container', () => {
  let container: Container | undefined;
  let dir: string | undefined;

  afterAll(async () => {
    await container?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves /healthz and /metrics and reconciles an OutboxRelay on the local API server', async () => {
    await ensureImages();
    await installCrd();
    const ns = await createNamespace('operator-image');
    try {
      // The ServiceAccount's kubeconfig, readable by the image's user.
      const kubeconfig = await serviceAccountKubeconfig(ns.name);
      dir = mkdtempSync(path.join(os.tmpdir(), 'outbox-operator-image-'));
      chmodSync(dir, 0o755);
      copyFileSync(kubeconfig, path.join(dir, 'kubeconfig'));
      chmodSync(path.join(dir, 'kubeconfig'), 0o644);
      const health = await freePort();
      const metrics = await freePort();
      container = await runContainer(
        imageTag('operator'),
        [
          '--kubeconfig=/config/kubeconfig',
          `--namespace=${ns.name}`,
          `--lease-namespace=${ns.name}`,
          `--health-port=${health}`,
          `--metrics-port=${metrics}`,
        ],
        {},
        { mounts: [`${dir}:/config:ro`] },
      );
      await eventually('the operator container to be ready', async () => {
        const res = await fetch(`http://127.0.0.1:${health}/readyz`).catch(() => undefined);
        return res?.ok ? true : undefined;
      });
      expect((await fetch(`http://127.0.0.1:${health}/healthz`)).status).toBe(200);
      await kubectl(['apply', '-n', ns.name, '-f', '-'], relayWithSecret('orders'));
      const image = await eventually('the relay Deployment', async () => {
        const out = await kubectl([
          'get',
          'deployment',
          'orders-relay',
          '-n',
          ns.name,
          '-o',
          'jsonpath={.spec.template.spec.containers[0].image}',
          '--ignore-not-found',
        ]);
        return out.trim() || undefined;
      });
      expect(image).toBe(imageTag('relay'));
      const text = await (await fetch(`http://127.0.0.1:${metrics}/metrics`)).text();
      expect(text).toMatch(/^outbox_operator_reconciles_total\{/m);
      await docker(['stop', '--time=30', container.id]);
      expect(await container.wait()).toBe(0);
    } finally {
      await ns.remove();
    }
  }, 300_000);
});
