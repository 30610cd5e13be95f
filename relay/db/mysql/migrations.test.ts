// Released migrations are never edited: this pins the SQL each one sends. A change here means a new
// migration, appended, never an edit of one that users have already applied.
import { createHash } from 'node:crypto';
import { tableNames } from '../identifiers.js';
import { MIGRATIONS } from './migrations.js';
import type { Queryable } from './queryable.js';

function recorder(): { db: Queryable; statements: string[] } {
  const statements: string[] = [];
  const db = {
    query(text: string) {
      statements.push(text.replace(/\s+/g, ' ').trim());
      // The only reads a migration makes are "is this column / an index on these columns there?": no.
      return Promise.resolve([[{ n: 0, cols: '' }], []]);
    },
  } as unknown as Queryable;
  return { db, statements };
}

async function fingerprint(index: number): Promise<string> {
  const { db, statements } = recorder();
  await MIGRATIONS[index]!.up(db, tableNames('kafka_outbox'));
  return createHash('sha256').update(statements.join('\n')).digest('hex').slice(0, 16);
}

describe('the MySQL migrations', () => {
  it('are numbered 1, 2, 3... in order, with unique names', () => {
    expect(MIGRATIONS.map((m) => m.id)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(new Set(MIGRATIONS.map((m) => m.name)).size).toBe(MIGRATIONS.length);
  });

  it.each([
    ['001_go_relay_table', 'f3b324cd024486c7'],
    ['002_claim_index', '309f27ac885e499b'],
    ['003_shares', 'c5e87289da66f2f2'],
  ])('%s still sends exactly the SQL it was released with', async (name, pinned) => {
    const index = MIGRATIONS.findIndex((m) => m.name === name);
    expect(index).toBeGreaterThanOrEqual(0);
    expect(await fingerprint(index)).toBe(pinned);
  });

  it('quotes the configured table everywhere and interpolates nothing else', async () => {
    for (let i = 0; i < MIGRATIONS.length; i += 1) {
      const { db, statements } = recorder();
      await MIGRATIONS[i]!.up(db, tableNames('Shop_Outbox'));
      const ddl = statements.filter((s) => !s.startsWith('SELECT'));
      expect(ddl.length).toBeGreaterThan(0);
      for (const statement of ddl) expect(statement).toContain('`Shop_Outbox');
      expect(ddl.join('\n')).not.toMatch(/(^|[^`_])Shop_Outbox/);
    }
  });
});
