import { parseFlags } from './flags.js';
import { clusterTarget, databaseFromUrl, describeTarget, redactDatabaseUrl } from './cluster-target.js';

const target = (...argv: string[]) => clusterTarget(parseFlags(argv));

describe('clusterTarget', () => {
  it('is undefined without --brokers and --database-url: the local servers are used', () => {
    expect(target('--rows=10')).toBeUndefined();
  });

  it('needs both flags, naming them', () => {
    expect(() => target('--brokers=k:9092')).toThrow(/--brokers and --database-url go together/);
    expect(() => target('--database-url=postgres://u@h/d')).toThrow(/--brokers and --database-url/);
  });

  it('reads the brokers, the database, and the default topic and table', () => {
    expect(
      target('--brokers=k1:9092, k2:9093', '--database-url=postgresql://app:s%40cret@db:6432/shop'),
    ).toEqual({
      brokers: ['k1:9092', 'k2:9093'],
      driver: 'postgres',
      database: { host: 'db', port: 6432, user: 'app', password: 's@cret', name: 'shop' },
      table: 'kafka_outbox_bench',
      topic: 'outbox-relay-bench',
    });
  });

  it('names the flag of a bad broker, table or topic', () => {
    const url = '--database-url=mysql://u:p@h/d';
    expect(() => target('--brokers=kafka', url)).toThrow(/--brokers: "kafka" is not host:port/);
    expect(() => target('--brokers=k:1', url, '--table=Orders;drop')).toThrow(/--table: "Orders;drop"/);
    expect(() => target('--brokers=k:1', url, '--topic=a b')).toThrow(/--topic: "a b"/);
  });
});

describe('databaseFromUrl', () => {
  it('maps mysql: and mariadb: to the mysql driver with its default port', () => {
    expect(databaseFromUrl('mariadb://u:p@h/d')).toMatchObject({ driver: 'mysql', database: { port: 3306 } });
  });

  it('refuses another scheme, a missing database or user, without repeating the password', () => {
    expect(() => databaseFromUrl('redis://u:hunter2@h/d')).toThrow(/scheme must be/);
    expect(() => databaseFromUrl('postgres://u:hunter2@h/')).toThrow(/one database/);
    expect(() => databaseFromUrl('postgres://h/d')).toThrow(/a user/);
    for (const bad of ['redis://u:hunter2@h/d', 'postgres://u:hunter2@h/', 'not a url hunter2']) {
      expect(() => databaseFromUrl(bad)).toThrow(
        expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
      );
    }
  });
});

describe('describeTarget', () => {
  it('says what is created and removed, without the password', () => {
    const t = target('--brokers=k:9092', '--database-url=postgres://app:hunter2@db/shop', '--table=bench_t')!;
    const text = describeTarget(t);
    expect(text).toMatch(/bench_t and the relay's tables beside it/);
    expect(text).toMatch(/created, written, deleted/);
    expect(text).not.toContain('hunter2');
  });
});

describe('redactDatabaseUrl', () => {
  it('hides the password of --database-url in a recorded command line, in either flag form', () => {
    expect(redactDatabaseUrl('x --database-url=postgres://app:hunter2@db:5432/shop --yes')).toBe(
      'x --database-url=postgres://app:***@db:5432/shop --yes',
    );
    expect(redactDatabaseUrl('x --database-url mysql://app:p%40ss@db/shop')).toBe(
      'x --database-url mysql://app:***@db/shop',
    );
    expect(redactDatabaseUrl('x --database-url=postgres://app@db/shop')).toBe(
      'x --database-url=postgres://app@db/shop',
    );
  });
});
