// What the shell examples of the docs do, as the doc says, checked after each runs (shell-blocks.test.ts);
// an expectation names its block by the file and a part of its text, and matches exactly one block.
import { dbQuery, type TestDb } from '../support/relay-harness.js';
import { kubectl } from '../support/servers.js';
import type { NamespaceMap } from './namespace-map.js';
import { columns, DB_PASSWORD, type ShellResult } from './shell.js';

export interface ShellContext {
  namespaces: NamespaceMap;
  db: TestDb;
  dir: string;
}

export interface ShellExpectation {
  file: string;
  contains: string;
  before?: (ctx: ShellContext) => Promise<void>;
  check: (result: ShellResult, ctx: ShellContext) => Promise<void> | void;
}

/** Every line a dry-run apply printed says it was accepted; the lines. */
function dryRunLines(result: ShellResult): string[] {
  const lines = result.stdout.trim().split('\n');
  expect(lines.filter((l) => !l.endsWith(' (server dry run)'))).toEqual([]);
  return lines;
}

async function secretData(namespace: string, name: string): Promise<Record<string, string>> {
  const out = await kubectl(['get', 'secret', name, '-n', namespace, '-o', 'jsonpath={.data}']);
  const data = JSON.parse(out) as Record<string, string>;
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
}

/** The database Secret of the docs: the keys an OutboxRelay reads by default, and the password given. */
async function expectDatabaseSecret(ctx: ShellContext): Promise<void> {
  const data = await secretData(ctx.namespaces.shop!, 'orders-db');
  expect(Object.keys(data).sort()).toEqual(['database', 'host', 'password', 'port', 'username']);
  expect(data.password).toBe(DB_PASSWORD);
}

export const expectations: ShellExpectation[] = [
  {
    file: 'docs/deploying.md',
    contains: '--dry-run=server -k config/default',
    check: (result) => {
      expect(dryRunLines(result)).toEqual(
        expect.arrayContaining([
          'customresourcedefinition.apiextensions.k8s.io/outboxrelays.outbox.kafka-relay.dev serverside-applied (server dry run)',
          'deployment.apps/outbox-relay-operator serverside-applied (server dry run)',
        ]),
      );
    },
  },
  {
    file: 'docs/deploying.md',
    contains: 'helm install outbox charts/kafka-outbox-relay',
    check: (result) => {
      expect(result.stdout).toContain('STATUS: pending-install');
      expect(result.stdout).toMatch(/image: "?registry\.example\.com\/kafka-outbox-relay\/operator:/);
      expect(result.stdout).toMatch(/value: "registry\.example\.com\/kafka-outbox-relay\/relay:/);
    },
  },
  {
    file: 'charts/kafka-outbox-relay/README.md',
    contains: 'kubectl create namespace outbox-system',
    check: async (result, ctx) => {
      const namespace = ctx.namespaces['outbox-system']!;
      const labels = await kubectl(['get', 'namespace', namespace, '-o', 'jsonpath={.metadata.labels}']);
      expect(JSON.parse(labels)).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted' });
      expect(result.stdout).toContain(`NAMESPACE: ${namespace}`);
      expect(result.stdout).toContain('STATUS: pending-install');
    },
  },
  {
    file: 'docs/deploying.md',
    contains: '-k config/namespaced',
    check: (result) => {
      const lines = dryRunLines(result);
      expect(lines.filter((l) => l.startsWith('role.rbac.authorization.k8s.io/')).length).toBeGreaterThan(0);
      expect(lines.filter((l) => l.startsWith('clusterrolebinding.'))).toEqual([]);
    },
  },
  {
    file: 'docs/deploying.md',
    contains: 'kubectl get outboxrelays -n shop',
    check: async (result, ctx) => {
      expect(result.stdout).toContain('secret/orders-db created');
      expect(result.stdout).toContain('outboxrelay.outbox.kafka-relay.dev/orders serverside-applied');
      const table = result.stdout.slice(result.stdout.indexOf('NAME ')).split('\n');
      expect(columns(table[0]!)).toEqual([
        'NAME',
        'DRIVER',
        'TABLE',
        'READY',
        'REASON',
        'BACKLOG',
        'OLDEST',
        'AGE',
      ]);
      expect(table[1]).toMatch(/^orders\s+postgres\s+kafka_outbox\s/);
      await expectDatabaseSecret(ctx);
    },
  },
  {
    file: 'docs/deploying.md',
    contains: 'my-cluster-cluster-ca-cert -n kafka',
    check: async (_, ctx) => {
      for (const name of ['my-cluster-cluster-ca-cert', 'orders-relay']) {
        const copied = await secretData(ctx.namespaces.shop!, name);
        expect(copied).toEqual(await secretData(ctx.namespaces.kafka!, name));
        expect(Object.values(copied).every((v) => v.startsWith('-----BEGIN '))).toBe(true);
      }
    },
  },
  {
    file: 'docs/troubleshooting.md',
    contains: 'kubectl create secret generic orders-db -n shop',
    check: (_, ctx) => expectDatabaseSecret(ctx),
  },
  {
    file: 'docs/operations.md',
    contains: '-k config/monitoring',
    check: (result) => {
      const kinds = dryRunLines(result).map((l) => l.split('/')[0]);
      expect(kinds).toEqual(
        expect.arrayContaining(['podmonitor.monitoring.coreos.com', 'prometheusrule.monitoring.coreos.com']),
      );
    },
  },
  {
    file: 'docs/operations.md',
    contains: 'outbox-relay cleanup',
    before: async ({ db }) => {
      await dbQuery(db, 'DELETE FROM kafka_outbox');
      await dbQuery(
        db,
        `INSERT INTO kafka_outbox (topic, payload_json, payload_headers, push_completed_at, errored) VALUES
           ('published-2h-ago', '{}', '{}', localtimestamp - interval '2 hours', 0),
           ('published-10m-ago', '{}', '{}', localtimestamp - interval '10 minutes', 0),
           ('pending', '{}', '{}', NULL, 0),
           ('errored', '{}', '{}', NULL, 1)`,
      );
    },
    check: async (_, { db }) => {
      const rows = await dbQuery(db, 'SELECT topic FROM kafka_outbox ORDER BY id');
      expect(rows.map((r) => r.topic)).toEqual(['published-10m-ago', 'pending', 'errored']);
    },
  },
];
