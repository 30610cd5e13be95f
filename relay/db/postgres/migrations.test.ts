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
      // The only reads a migration makes are "is there already an index on these columns?": no.
      return Promise.resolve({ rows: [{ present: false }], rowCount: 0 });
    },
  } as unknown as Queryable;
  return { db, statements };
}

async function fingerprint(index: number): Promise<string> {
  const { db, statements } = recorder();
  await MIGRATIONS[index]!.up(db, tableNames('kafka_outbox'));
  return createHash('sha256').update(statements.join('\n')).digest('hex').slice(0, 16);
}

describe('the PostgreSQL migrations', () => {
  it('are numbered 1, 2, 3... in order, with unique names', () => {
    expect(MIGRATIONS.map((m) => m.id)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(new Set(MIGRATIONS.map((m) => m.name)).size).toBe(MIGRATIONS.length);
  });

  it.each([
    ['001_go_relay_table', 'd2cb7ae697c6d721'],
    ['002_claim_index', 'c2eb4ebcdc52bc77'],
    ['003_insert_notify_trigger', '948fb71e34f4c4c6'],
    ['004_shares', '31ba5b62522b0624'],
  ])('%s still sends exactly the SQL it was released with', async (name, pinned) => {
    const index = MIGRATIONS.findIndex((m) => m.name === name);
    expect(index).toBeGreaterThanOrEqual(0);
    expect(await fingerprint(index)).toBe(pinned);
  });

  it('quotes the configured table everywhere and interpolates nothing else', async () => {
    for (let i = 0; i < MIGRATIONS.length; i += 1) {
      const { db, statements } = recorder();
      await MIGRATIONS[i]!.up(db, tableNames('Shop_Outbox'));
      // Transaction control (004 leaves the migrations' transaction for its CONCURRENTLY build) names no table.
      const ddl = statements.filter((s) => !/^(SELECT|COMMIT|BEGIN|SET LOCAL)/.test(s));
      expect(ddl.length).toBeGreaterThan(0);
      for (const statement of ddl) expect(statement).toContain('"Shop_Outbox');
      expect(ddl.join('\n')).not.toMatch(/(^|[^"_])Shop_Outbox/);
    }
  });

  it('builds the share index CONCURRENTLY outside the transaction, then opens a new one for the rest', async () => {
    const { db, statements } = recorder();
    await MIGRATIONS.find((m) => m.name === '004_shares')!.up(db, tableNames('kafka_outbox'));
    const commit = statements.indexOf('COMMIT');
    const build = statements.findIndex((s) => s.startsWith('CREATE INDEX CONCURRENTLY'));
    expect(commit).toBeGreaterThan(0);
    expect(build).toBeGreaterThan(commit);
    expect(statements.slice(build + 1)).toEqual(['BEGIN', "SET LOCAL lock_timeout = '10s'"]);
    expect(statements[build]).toContain('(hashtext(');
    expect(statements[build]).toMatch(/WHERE push_completed_at IS NULL AND errored = 0$/);
  });
});
