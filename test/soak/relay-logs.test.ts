// The takeover figures read from relay logs: the read-backs that marked rows and those that found
// nothing, their sum of marked rows, failures and share movements; lines of other messages or not JSON
// count for nothing.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { takeoverStats } from './relay-logs.js';
import { parseShares } from './relay-metrics.js';

const line = (msg: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ level: 30, msg, ...extra });

describe('the takeover figures of a soak', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'soak-logs-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('counts read-backs, marked rows and share moves over the relay logs only', () => {
    const marked = 'marked the rows Kafka already had, without sending them again';
    writeFileSync(
      path.join(dir, 'relay-1.log'),
      [
        line(marked, { marked: 4 }),
        line('read back: nothing to mark', { marked: 0 }),
        line('shares taken'),
        'not json {',
        line('shares given up to rebalance'),
      ].join('\n'),
    );
    writeFileSync(
      path.join(dir, 'second-2.log'),
      [
        line(marked, { marked: 3 }),
        line('read-back failed; rows Kafka may have are sent again'),
        line('share leases lost; stopping their publishing at once'),
      ].join('\n'),
    );
    writeFileSync(path.join(dir, 'cleanup-3.log'), line(marked, { marked: 100 }));
    expect(takeoverStats(dir)).toEqual({
      readBacks: 3,
      readBacksMarking: 2,
      marked: 7,
      readBacksFailed: 1,
      sharesTaken: 1,
      sharesGivenUp: 1,
      leasesLost: 1,
    });
  });

  it('reads the shares a relay holds from its metrics, over its databases', () => {
    const text = [
      '# HELP outbox_relay_shares Shares',
      '# TYPE outbox_relay_shares gauge',
      'outbox_relay_shares{database="a"} 21',
      'outbox_relay_shares{database="b"} 3',
      'outbox_relay_shares_other 7',
    ].join('\n');
    expect(parseShares(text)).toBe(24);
  });
});
