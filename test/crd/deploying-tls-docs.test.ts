// The Strimzi and managed-database examples of docs/deploying.md are what the API server accepts: every
// YAML block of that section, read from the Markdown itself, is applied with a server-side dry run (the
// API server's schema and CEL rules, the CRD installed) in a namespace of the test's own.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { installCrd, kubectlError, repoRoot } from '../support/operator.js';
import { createNamespace, kubectl, type TestNamespace } from '../support/servers.js';

const SECTION = '## Strimzi and managed databases';

/** The YAML blocks between the section's heading and the next heading of the same level. */
function sectionYamlBlocks(markdown: string, heading: string): string[] {
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`docs/deploying.md has no section "${heading}"`);
  const rest = markdown.slice(start + heading.length + 2);
  const end = rest.search(/\n## /);
  const section = end < 0 ? rest : rest.slice(0, end);
  return [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

interface Doc {
  kind: string;
  metadata: { name: string };
  spec?: { kafka?: { sasl?: { mechanism?: string } } };
}

describe('docs/deploying.md: Strimzi and managed databases', () => {
  let ns: TestNamespace;
  const blocks = sectionYamlBlocks(readFileSync(path.join(repoRoot, 'docs/deploying.md'), 'utf8'), SECTION);

  beforeAll(async () => {
    await installCrd();
    ns = await createNamespace('deploying-docs');
  }, 120_000);

  afterAll(async () => {
    await ns?.remove();
  });

  it('shows the Secrets and an OutboxRelay for a tls KafkaUser, a scram-sha-512 KafkaUser and RDS', () => {
    const kinds = blocks.map((b) => (yaml.loadAll(b) as Doc[]).map((d) => d.kind).join(','));
    expect(kinds).toEqual(['Secret,Secret,OutboxRelay', 'Secret,OutboxRelay', 'Secret,OutboxRelay']);
  });

  it('has every YAML block accepted by the API server (server-side dry run)', async () => {
    for (const block of blocks) {
      const out = await kubectl(['apply', '-n', ns.name, '--dry-run=server', '-f', '-'], block);
      const objects = yaml.loadAll(block) as Doc[];
      const created = out.trim().split('\n');
      expect(created).toEqual(
        objects.map((d) =>
          d.kind === 'Secret'
            ? `secret/${d.metadata.name} created (server dry run)`
            : `outboxrelay.outbox.kafka-relay.dev/${d.metadata.name} created (server dry run)`,
        ),
      );
    }
  });

  it('would notice a block the API server refuses (the dry run checks the schema)', async () => {
    const scram = blocks[1]!.replace('mechanism: scram-sha-512', 'mechanism: scram-sha-1');
    expect(scram).not.toBe(blocks[1]);
    const error = await kubectlError(['apply', '-n', ns.name, '--dry-run=server', '-f', '-'], scram);
    expect(error).toMatch(/spec\.kafka\.sasl\.mechanism/);
  });
});
