// status.databases as the relays write it: a list keyed by database name, so that each relay pod applies
// its own entries under its own field manager and the API server merges them; the schema rejects a state or
// reason outside the contract, naming the field; the operator's merge patch of its own fields leaves the
// reports alone.
import { installCrd, kubectlError } from '../support/operator.js';
import { applyReport, databaseReport, reportBody } from '../support/relay-report.js';
import { createNamespace, kubectl, type TestNamespace } from '../support/servers.js';

const NAME = 'reported';

describe('status.databases on the real API server', () => {
  let ns: TestNamespace;

  const get = async () =>
    JSON.parse(await kubectl(['get', 'outboxrelay', NAME, '-n', ns.name, '-o', 'json'])) as {
      status?: { databases?: Array<{ name: string; reportedBy: string }>; backlog?: number };
    };
  const names = async () =>
    ((await get()).status?.databases ?? []).map((d) => `${d.name}@${d.reportedBy}`).sort();

  beforeAll(async () => {
    await installCrd();
    ns = await createNamespace('crd-status');
    await kubectl(
      ['apply', '-n', ns.name, '-f', '-'],
      JSON.stringify({
        apiVersion: 'outbox.kafka-relay.dev/v1alpha1',
        kind: 'OutboxRelay',
        metadata: { name: NAME },
        spec: { database: { secretRef: { name: 'db' } }, kafka: { brokers: ['kafka-0.kafka:9092'] } },
      }),
    );
  });

  afterAll(async () => {
    await ns?.remove();
  });

  it('merges the entries of two pods by database name, and an empty report releases only its own', async () => {
    await applyReport(ns.name, NAME, 'relay-a', [databaseReport('orders', 'relay-a', { pending: 3 })]);
    await applyReport(ns.name, NAME, 'relay-b', [databaseReport('billing', 'relay-b')]);
    expect(await names()).toEqual(['billing@relay-b', 'orders@relay-a']);

    await applyReport(ns.name, NAME, 'relay-a', []);
    expect(await names()).toEqual(['billing@relay-b']);
  });

  it('merges the publishers of two shared pods on one database, each pod its own element', async () => {
    const publisher = (pod: string, shares: string, shareCount: number) => ({ pod, shares, shareCount });
    await applyReport(ns.name, NAME, 'relay-a', [
      { ...databaseReport('shared', 'relay-a'), publishers: [publisher('relay-a', '0-31', 32)] },
    ]);
    await applyReport(ns.name, NAME, 'relay-b', [
      { ...databaseReport('shared', 'relay-b'), publishers: [publisher('relay-b', '32-63', 32)] },
    ]);
    const entry = (await get()).status?.databases?.find((d) => d.name === 'shared') as
      { publishers?: { pod: string; shares: string }[] } | undefined;
    expect(entry?.publishers?.map((p) => `${p.pod}:${p.shares}`).sort()).toEqual([
      'relay-a:0-31',
      'relay-b:32-63',
    ]);
    await applyReport(ns.name, NAME, 'relay-a', []);
    await applyReport(ns.name, NAME, 'relay-b', [databaseReport('billing', 'relay-b')]);
  });

  it('keeps the reports when the operator merge-patches its own status fields', async () => {
    await applyReport(ns.name, NAME, 'relay-a', [databaseReport('orders', 'relay-a', { pending: 5 })]);
    await kubectl([
      'patch',
      'outboxrelay',
      NAME,
      '-n',
      ns.name,
      '--subresource=status',
      '--type=merge',
      '--field-manager=outbox-relay-operator',
      '-p',
      JSON.stringify({ status: { backlog: 5, brokers: 'kafka-0.kafka:9092' } }),
    ]);
    const got = await get();
    expect(got.status?.backlog).toBe(5);
    expect((got.status?.databases ?? []).map((d) => d.name).sort()).toEqual(['billing', 'orders']);
  });

  // [case, entry, the field of the entry the error names, the rule]
  const invalid: Array<[string, Record<string, unknown>, string, string]> = [
    [
      'a Kafka state outside the contract',
      databaseReport('x', 'p', { kafka: { state: 'Broken' } }) as unknown as Record<string, unknown>,
      'kafka.state',
      'Unsupported value',
    ],
    [
      'a database state outside the contract',
      databaseReport('x', 'p', { database: { state: 'Unauthorized' } }) as unknown as Record<string, unknown>,
      'database.state',
      'Unsupported value',
    ],
    [
      'a held topic with an unknown reason',
      databaseReport('x', 'p', {
        heldTopics: [{ topic: 'orders', reason: 'Gone', since: '2026-01-01T00:00:00Z' }],
      }) as unknown as Record<string, unknown>,
      'heldTopics[0].reason',
      'Unsupported value',
    ],
    [
      'a negative pending count',
      databaseReport('x', 'p', { pending: -1 }) as unknown as Record<string, unknown>,
      'pending',
      'greater than or equal to 0',
    ],
    [
      'an oldestPendingTime that is not a time',
      databaseReport('x', 'p', { oldestPendingTime: '5 minutes ago' }) as unknown as Record<string, unknown>,
      'oldestPendingTime',
      'date-time',
    ],
  ];

  it.each(invalid)('rejects %s, naming the field', async (_name, entry, field, rule) => {
    const error = await kubectlError(
      [
        'apply',
        '--server-side',
        '--subresource=status',
        '--field-manager=outbox-relay-invalid',
        '--dry-run=server',
        '-n',
        ns.name,
        '-f',
        '-',
      ],
      reportBody(ns.name, NAME, [entry]),
    );
    expect(error).toContain('is invalid');
    // The entry's index is its place in the merged list (the other pods' entries included).
    const escaped = field.replace(/[.[\]]/g, (c) => `\\${c}`);
    expect(error).toMatch(new RegExp(`status\\.databases\\[\\d+\\]\\.${escaped}`));
    expect(error).toContain(rule);
  });

  it('rejects two entries for one database from one report', async () => {
    const entry = databaseReport('dup', 'p');
    const error = await kubectlError(
      [
        'apply',
        '--server-side',
        '--subresource=status',
        '--field-manager=outbox-relay-dup',
        '--dry-run=server',
        '-n',
        ns.name,
        '-f',
        '-',
      ],
      reportBody(ns.name, NAME, [entry, entry]),
    );
    expect(error).toBeDefined();
    expect(error).toContain('dup');
  });
});
