// Shared mode on the local API server, PostgreSQL and Kafka: two relay processes, as two pods of one
// OutboxRelay, each report their own element of status.databases[].publishers. One is SIGKILLed: no clean
// stop releases its element. Once the other holds every share, its report after the takeover finds the
// dead pod's element in the object the API server answered with and prunes it, since the dead pod has no
// live member in the lease table any more: the status then shows one publisher with all 64 shares. The
// last pod's clean stop then leaves no entry (release-entries.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PublisherReport } from '../../relay/report/report-types.js';
import { PRUNED } from '../../relay/report/prune-publishers.js';
import { holdKafkaForFile } from '../support/kafka-lock.js';
import { installCrd } from '../support/operator.js';
import { reportEnv, reportingRelay } from '../support/report-credentials.js';
import {
  createTestDb,
  relayEnv,
  runCommand,
  spawnRelay,
  type RelayProcess,
  type TestDb,
} from '../support/relay-harness.js';
import {
  createNamespace,
  eventually,
  kubectl,
  type TestDatabase,
  type TestNamespace,
} from '../support/servers.js';

holdKafkaForFile();

const NAME = 'shared';
const LEASE_MS = 3000;

describe('the relays pruning the status of a pod gone', () => {
  let ns: TestNamespace;
  let database: TestDatabase<object>;
  let db: TestDb;
  let dir: string;
  const relays: RelayProcess[] = [];

  const publishers = async (): Promise<PublisherReport[] | undefined> => {
    const live = JSON.parse(await kubectl(['get', 'outboxrelay', NAME, '-n', ns.name, '-o', 'json'])) as {
      status?: { databases?: Array<{ name: string; publishers?: PublisherReport[] }> };
    };
    return live.status?.databases?.find((d) => d.name === db.name)?.publishers;
  };
  const pods = (list: PublisherReport[] | undefined) =>
    (list ?? []).map((p) => `${p.pod}:${p.shareCount}`).sort();

  beforeAll(async () => {
    await installCrd();
    ns = await createNamespace('relay-prune');
    ({ database, db } = await createTestDb('postgres', 'relay_prune'));
    dir = mkdtempSync(path.join(os.tmpdir(), 'relay-prune-'));
  }, 120_000);

  afterAll(async () => {
    for (const r of relays)
      if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
    await database?.drop();
    await ns?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('removes a SIGKILLed pod’s publishers element once the other holds every share', async () => {
    const credentials = await reportingRelay(ns.name, NAME, dir);
    const env = (pod: string) =>
      relayEnv(db, {
        SHARE_LEASE_MS: String(LEASE_MS),
        LOG_LEVEL: 'info',
        ...reportEnv(ns.name, NAME, pod, credentials),
      });
    expect((await runCommand(['migrate'], env('relay-prune-a'))).code).toBe(0);
    const [a, b] = [spawnRelay(['run'], env('relay-prune-a')), spawnRelay(['run'], env('relay-prune-b'))];
    relays.push(a, b);
    const output = () => `\n--- a ---\n${a.output().slice(-3000)}\n--- b ---\n${b.output().slice(-3000)}`;

    const both = await eventually(
      'both pods reported, their shares adding up to 64',
      async () => {
        const list = await publishers();
        const total = (list ?? []).reduce((sum, p) => sum + p.shareCount, 0);
        return list?.length === 2 && total === 64 && list.every((p) => p.shareCount > 0) ? list : undefined;
      },
      90_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}${output()}`);
    });
    expect(both.map((p) => p.pod).sort()).toEqual(['relay-prune-a', 'relay-prune-b']);
    // Both live: neither prunes the other.
    expect(a.output() + b.output()).not.toContain(PRUNED);

    b.child.kill('SIGKILL');
    await b.exited;
    const left = await eventually(
      'one publishers element, the live pod’s, with every share',
      async () => {
        const list = await publishers();
        return pods(list).join() === 'relay-prune-a:64' ? list : undefined;
      },
      90_000,
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}: ${pods(await publishers()).join()}${output()}`);
    });
    expect(left).toEqual([{ pod: 'relay-prune-a', shareCount: 64, shares: '0-63' }]);
    const pruned = a
      .output()
      .split('\n')
      .filter((line) => line.includes(PRUNED))
      .map((line) => JSON.parse(line) as { level: number; database: string; pod: string });
    expect(pruned).toEqual([expect.objectContaining({ level: 30, database: db.name, pod: 'relay-prune-b' })]);

    // The last pod's clean stop leaves no entry behind, though the dead pod's field manager still owns part
    // of it (its apply of the entry's name): the release is refused as invalid, and the entry is removed.
    a.child.kill('SIGTERM');
    expect(await a.exited).toEqual({ code: 0, signal: null });
    const live = JSON.parse(await kubectl(['get', 'outboxrelay', NAME, '-n', ns.name, '-o', 'json'])) as {
      status?: { databases?: Array<{ name: string }> };
    };
    expect((live.status?.databases ?? []).map((d) => d.name)).not.toContain(db.name);
  }, 240_000);
});
