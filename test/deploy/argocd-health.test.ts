// config/argocd/health.lua, the OutboxRelay health check for Argo CD, run by Lua 5.1 (Debian's lua5.1; Argo
// CD runs gopher-lua, a Lua 5.1) on OutboxRelays as the local API server holds them: written by the
// operator (running as its own process), with the relay's reports applied as a relay pod applies them.
// The object reaches the script as Argo CD gives it: a table of the JSON, arrays as sequences, nulls absent.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import yaml from 'js-yaml';
import { repoRoot } from '../../tools/devenv/paths.js';
import { operatorSuite } from '../support/operator.js';
import { applyReport, databaseReport } from '../support/relay-report.js';
import { createNamespace, eventually, kubectl, type TestNamespace } from '../support/servers.js';
import { ensureTool } from '../../tools/deploy/install.js';

const SCRIPT = path.join(repoRoot, 'config/argocd/health.lua');
const KEY = 'resource.customizations.health.outbox.kafka-relay.dev_OutboxRelay';

/** A Lua table constructor of a JSON value (null becomes nil, as gopher-lua's JSON decoding gives). */
function luaLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'string') return JSON.stringify(value); // a JSON string is a valid Lua string
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `{${value.map(luaLiteral).join(', ')}}`;
  const fields = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `[${JSON.stringify(k)}] = ${luaLiteral(v)}`);
  return `{${fields.join(', ')}}`;
}

async function health(lua: string, object: unknown): Promise<{ status: string; message: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'argocd-health-'));
  try {
    const harness = path.join(dir, 'harness.lua');
    writeFileSync(
      harness,
      `obj = ${luaLiteral(object)}\nlocal hs = assert(loadfile(${JSON.stringify(SCRIPT)}))()\n` +
        `io.write(hs.status, "\\n", hs.message or "")\n`,
    );
    const { stdout } = await promisify(execFile)(lua, [harness]);
    const [status = '', ...message] = stdout.split('\n');
    return { status, message: message.join('\n') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function relay(name: string, spec: Record<string, unknown> = {}, secret = `${name}-db`): string {
  return [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `${name}-db` },
      stringData: { host: 'h', port: '5432', username: 'u', password: 'p', database: 'd' },
    },
    {
      apiVersion: 'outbox.kafka-relay.dev/v1alpha1',
      kind: 'OutboxRelay',
      metadata: { name },
      spec: {
        database: { secretRef: { name: secret } },
        kafka: { brokers: ['kafka-0.kafka:9092'] },
        ...spec,
      },
    },
  ]
    .map((o) => JSON.stringify(o))
    .join('\n');
}

describe('the Argo CD health check of an OutboxRelay', () => {
  const suite = operatorSuite('argocd-health', 'SIGTERM');
  let lua: string;
  let ns: TestNamespace;
  let unwatched: TestNamespace;
  const object = async (name: string, namespace = ns.name) =>
    JSON.parse(await kubectl(['get', 'outboxrelay', name, '-n', namespace, '-o', 'json'])) as unknown;
  const readyReason = (name: string) =>
    suite.jsonpath('outboxrelay', name, '{.status.conditions[?(@.type=="Ready")].reason}');
  const waitReason = (name: string, reason: string) =>
    eventually(
      `${name}: Ready ${reason}`,
      async () => ((await readyReason(name)) === reason ? true : undefined),
      90_000,
    );

  beforeAll(async () => {
    lua = await ensureTool('lua');
    ns = suite.ns;
    // The operator watches the suite's namespace only: here a resource stays as the user wrote it.
    unwatched = await createNamespace('argocd-unwatched');
    await suite.start('argocd-operator');
    await kubectl(['apply', '-n', ns.name, '-f', '-'], relay('healthy'));
    await kubectl(['apply', '-n', ns.name, '-f', '-'], relay('waiting'));
    await kubectl(['apply', '-n', ns.name, '-f', '-'], relay('no-secret', {}, 'missing-db'));
    await kubectl(['apply', '-n', ns.name, '-f', '-'], relay('refused'));
    await kubectl(['apply', '-n', ns.name, '-f', '-'], relay('paused', { paused: true }));
    await kubectl(['apply', '-n', unwatched.name, '-f', '-'], relay('fresh'));
    await applyReport(ns.name, 'healthy', 'healthy-relay-0', [databaseReport('d', 'healthy-relay-0')]);
    await applyReport(ns.name, 'paused', 'paused-relay-0', [databaseReport('d', 'paused-relay-0')]);
    await applyReport(ns.name, 'refused', 'refused-relay-0', [
      databaseReport('d', 'refused-relay-0', {
        kafka: { state: 'Unauthorized', message: 'SASL SCRAM-SHA-512 authentication failed' },
      }),
    ]);
    await waitReason('healthy', 'Ready');
    await waitReason('waiting', 'AwaitingReport');
    await waitReason('no-secret', 'SecretNotFound');
    await waitReason('refused', 'KafkaUnauthorized');
    // Paused from its creation, it never got a Deployment: whatever Ready says, it is Suspended.
    await eventually(
      'paused: status of generation 1',
      async () =>
        (await suite.jsonpath('outboxrelay', 'paused', '{.status.observedGeneration}')) === '1'
          ? true
          : undefined,
      90_000,
    );
  }, 300_000);

  afterAll(async () => {
    await unwatched?.remove();
  });

  it('is the script argocd-cm.yaml and the chart carry', () => {
    const cm = yaml.load(readFileSync(path.join(repoRoot, 'config/argocd/argocd-cm.yaml'), 'utf8')) as {
      metadata: { name: string };
      data: Record<string, string>;
    };
    expect(cm.metadata.name).toBe('argocd-cm');
    expect(cm.data[KEY]).toBe(readFileSync(SCRIPT, 'utf8'));
    expect(
      readFileSync(path.join(repoRoot, 'charts/kafka-outbox-relay/files/argocd-health.lua'), 'utf8'),
    ).toBe(readFileSync(SCRIPT, 'utf8'));
  });

  it('is Healthy when Ready is True', async () => {
    expect(await health(lua, await object('healthy'))).toEqual({
      status: 'Healthy',
      message: 'the relay is configured, available and publishing',
    });
  });

  it('is Suspended when spec.paused is true', async () => {
    expect((await health(lua, await object('paused'))).status).toBe('Suspended');
  });

  it('is Progressing before the operator wrote any status', async () => {
    expect(await health(lua, await object('fresh', unwatched.name))).toEqual({
      status: 'Progressing',
      message: 'Waiting for the operator to observe generation 1',
    });
  });

  it('is Progressing while the observed generation is behind the spec', async () => {
    // A status the operator wrote for generation 1 (here set by hand: no operator watches this
    // namespace), then a spec edit: generation 2 not observed yet.
    await kubectl([
      'patch',
      'outboxrelay',
      'fresh',
      '-n',
      unwatched.name,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({
        status: {
          observedGeneration: 1,
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'Ready',
              message: 'm',
              lastTransitionTime: '2026-01-01T00:00:00Z',
            },
          ],
        },
      }),
    ]);
    await kubectl([
      'patch',
      'outboxrelay',
      'fresh',
      '-n',
      unwatched.name,
      '--type=merge',
      '-p',
      '{"spec":{"relay":{"batchSize":100}}}',
    ]);
    expect(await health(lua, await object('fresh', unwatched.name))).toEqual({
      status: 'Progressing',
      message: 'Waiting for the operator to observe generation 2',
    });
  });

  it('is Progressing while no relay pod has reported yet', async () => {
    const hs = await health(lua, await object('waiting'));
    expect(hs.status).toBe('Progressing');
    expect(hs.message).toContain('AwaitingReport');
  });

  it('is Degraded for a user error, with the condition as message', async () => {
    expect(await health(lua, await object('no-secret'))).toEqual({
      status: 'Degraded',
      message: 'Ready False: SecretNotFound: Secret missing-db not found',
    });
  });

  it('is Degraded when Publishing is False, with its reason and message', async () => {
    const hs = await health(lua, await object('refused'));
    expect(hs.status).toBe('Degraded');
    expect(hs.message).toMatch(
      /^Publishing False: KafkaUnauthorized: .*SASL SCRAM-SHA-512 authentication failed$/,
    );
  });
});
