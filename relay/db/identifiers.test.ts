import { ConfigError } from '../errors.js';
import {
  advisoryLockKey,
  MAX_TABLE_NAME_LENGTH,
  namedLock,
  quoteMysql,
  quotePostgres,
  tableNames,
  validateRowIds,
  validateTableName,
} from './identifiers.js';

describe('table names', () => {
  it.each(['kafka_outbox', 'Outbox2', '_private', 'a'])('accepts %s', (name) => {
    expect(validateTableName(name)).toBe(name);
  });

  it.each([
    ['an empty name', ''],
    ['a leading digit', '1outbox'],
    ['a space', 'kafka outbox'],
    ['a quote', 'outbox"; DROP TABLE x; --'],
    ['a backtick', 'out`box'],
    ['a schema-qualified name', 'public.kafka_outbox'],
    ['a hyphen', 'kafka-outbox'],
    ['a non-ASCII letter', 'outbøx'],
    ['a trailing newline', 'outbox\n'],
  ])('rejects %s with a ConfigError naming the variable', (_what, name) => {
    expect(() => validateTableName(name)).toThrow(ConfigError);
    expect(() => validateTableName(name)).toThrow(/^OUTBOX_TABLE: /);
  });

  it(`rejects names longer than ${MAX_TABLE_NAME_LENGTH} characters, so every derived name fits 63 bytes`, () => {
    const longest = 'a'.repeat(MAX_TABLE_NAME_LENGTH);
    expect(validateTableName(longest)).toBe(longest);
    expect(() => validateTableName(`${longest}a`)).toThrow(ConfigError);
    for (const derived of Object.values(tableNames(longest))) expect(derived.length).toBeLessThanOrEqual(63);
  });

  it('quotes a validated name for each dialect and refuses anything else', () => {
    expect(quotePostgres('Kafka_Outbox')).toBe('"Kafka_Outbox"');
    expect(quoteMysql('kafka_outbox')).toBe('`kafka_outbox`');
    expect(() => quotePostgres('a"b')).toThrow();
    expect(() => quoteMysql('a`b')).toThrow();
  });

  it('gives the share index, the lease tables and the meta table names of their own that fit at 40 characters', () => {
    const names = tableNames('a'.repeat(MAX_TABLE_NAME_LENGTH));
    const relations = [
      names.table,
      names.migrations,
      names.pushCompletedIndex,
      names.batchIndex,
      names.claimIndex,
      names.shareIndex,
      names.shares,
      names.members,
      names.meta,
    ];
    // PostgreSQL keeps tables and indexes in one namespace per schema: no two may share a name.
    expect(new Set(relations).size).toBe(relations.length);
    for (const name of relations) expect(name.length).toBeLessThanOrEqual(63);
    expect(tableNames('kafka_outbox')).toMatchObject({
      shareIndex: 'kafka_outbox_relay_share',
      shares: 'kafka_outbox_relay_shares',
      members: 'kafka_outbox_relay_members',
      meta: 'kafka_outbox_relay_meta',
    });
  });

  it('derives the LISTEN channel the notify trigger builds from the table name', () => {
    expect(tableNames('kafka_outbox').channel).toBe('kafka_outbox_relay_wake');
  });
});

describe('lock names', () => {
  it('gives each database, table and purpose its own advisory lock key, a signed 64-bit integer', () => {
    const keys = new Set([
      advisoryLockKey('leader', 'shop', 'kafka_outbox'),
      advisoryLockKey('leader', 'billing', 'kafka_outbox'),
      advisoryLockKey('leader', 'shop', 'other_outbox'),
      advisoryLockKey('migrate', 'shop', 'kafka_outbox'),
    ]);
    expect(keys.size).toBe(4);
    for (const key of keys) {
      expect(BigInt(key)).toBeGreaterThanOrEqual(-(2n ** 63n));
      expect(BigInt(key)).toBeLessThan(2n ** 63n);
    }
    expect(advisoryLockKey('leader', 'shop', 'kafka_outbox')).toBe(
      advisoryLockKey('leader', 'shop', 'kafka_outbox'),
    );
  });

  it('keeps MySQL named locks within 64 characters however long the database name', () => {
    const name = namedLock('migrate', 'd'.repeat(64), 't'.repeat(40));
    expect(name.length).toBeLessThanOrEqual(64);
    expect(namedLock('leader', 'shop', 'kafka_outbox')).not.toBe(
      namedLock('leader', 'billing', 'kafka_outbox'),
    );
  });
});

describe('row ids', () => {
  it('accepts decimal ids, up to BIGINT size', () => {
    expect(validateRowIds(['1', '42', '9223372036854775807'])).toEqual(['1', '42', '9223372036854775807']);
  });

  it.each(['', '-1', '1.5', '1e3', ' 1', '1; DROP TABLE x', '12345678901234567890'])('rejects %j', (id) => {
    expect(() => validateRowIds(['1', id])).toThrow(ConfigError);
  });
});
