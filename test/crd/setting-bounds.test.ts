// The API server itself takes and refuses each boundary value of the settings an OutboxRelay field
// becomes as the relay's parser does (relay/testing/boundary-cases.ts; relay/config/bounds.test.ts walks
// the same cases with the committed schema alone), and a refusal names the field. One server-side dry run
// applies every case as its own object.
import { ConfigError } from '../../relay/errors.js';
import { parseSettings } from '../../relay/config/parse.js';
import {
  boundaryCases,
  envWith,
  SHARED,
  specWith,
  type BoundaryCase,
} from '../../relay/testing/boundary-cases.js';
import { installCrd, kubectlError } from '../support/operator.js';
import { createNamespace, type TestNamespace } from '../support/servers.js';

const cases = SHARED.flatMap(boundaryCases);
const name = (i: number) => `bounds-${i}`;

function relayAccepts(c: BoundaryCase): boolean | undefined {
  if (c.text === null) return undefined;
  try {
    parseSettings(envWith(c.variable, c.text), 'run');
    return true;
  } catch (error) {
    if (error instanceof ConfigError && error.field === c.variable) return false;
    throw error;
  }
}

describe('the boundaries of the settings an OutboxRelay field becomes, on the API server', () => {
  let ns: TestNamespace;
  let output = '';

  beforeAll(async () => {
    await installCrd();
    ns = await createNamespace('bounds');
    const objects = cases.map((c, i) => ({
      apiVersion: 'outbox.kafka-relay.dev/v1alpha1',
      kind: 'OutboxRelay',
      metadata: { name: name(i) },
      spec: specWith(c.field, c.value),
    }));
    output =
      (await kubectlError(
        ['apply', '--dry-run=server', '-n', ns.name, '-f', '-'],
        JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
      )) ?? '';
  });

  afterAll(async () => {
    await ns?.remove();
  });

  /** The server's words about case i: its refusal, or undefined when it created it. */
  function verdict(i: number): { created: boolean; refusal?: string } {
    const lines = output.split('\n');
    const refusal = lines.find((l) => l.includes(`"${name(i)}" is invalid`));
    if (refusal) return { created: false, refusal };
    return { created: !lines.some((l) => l.includes(`"${name(i)}"`)) };
  }

  it('walks more than a hundred values, some refused', () => {
    expect(cases.length).toBeGreaterThan(100);
    expect(output).toContain('is invalid');
  });

  it.each(cases.map((c, i) => [`${c.field}=${JSON.stringify(c.value).slice(0, 60)}`, i, c] as const))(
    '%s',
    (_label, i, c) => {
      const got = verdict(i);
      expect({ created: got.created, relay: relayAccepts(c) }).toEqual({
        created: c.accepted,
        relay: c.text === null ? undefined : c.accepted,
      });
      if (!c.accepted) expect(got.refusal).toContain(c.field);
    },
  );

  it.each([
    ['spec.relay.batchSize', 10_001, 'less than or equal to 10000'],
    ['spec.kafka.brokers', ['[::1]:99999'], 'spec.kafka.brokers[0]'],
    ['spec.cleanup.retention', '0s', 'spec.cleanup.retention must be a duration from 1m to 3650d'],
    ['spec.relay.pollInterval', '9ms', 'spec.relay.pollInterval must be a duration from 10ms to 1h'],
  ])('refuses %s=%j saying %s', async (field, value, words) => {
    const error = await kubectlError(
      ['apply', '--dry-run=server', '-n', ns.name, '-f', '-'],
      JSON.stringify({
        apiVersion: 'outbox.kafka-relay.dev/v1alpha1',
        kind: 'OutboxRelay',
        metadata: { name: 'one-bound' },
        spec: specWith(field, value),
      }),
    );
    expect(error).toContain(field);
    expect(error).toContain(words);
  });
});
