import { ConfigError, DatabaseError, NotMigratedError } from '../errors.js';
import { classify, toDatabaseError } from './classify.js';
import { mysqlErrors } from './mysql/errors.js';
import { postgresErrors } from './postgres/errors.js';

const withCode = (message: string, code: string | number): Error =>
  Object.assign(new Error(message), { code });
const context = { driver: 'postgres' as const, database: 'shop', operation: 'claim', password: 'hunter2' };
const server = { host: 'db', port: 5432, user: 'relay', tls: { mode: 'verify-full' as const } };

describe('classify', () => {
  it('finds the code on one of the errors of an AggregateError (several addresses tried)', () => {
    const error = new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')], '');
    expect(classify(postgresErrors, error)).toEqual({ code: 'ECONNREFUSED', retriable: true });
  });

  it('recognises a driver error without a code by its message', () => {
    expect(classify(postgresErrors, new Error('Connection terminated unexpectedly')).retriable).toBe(true);
    expect(classify(postgresErrors, new Error('something else')).retriable).toBe(false);
  });
});

describe('toDatabaseError', () => {
  it('names the database and operation, keeps the code, and hides the password, also in the cause', () => {
    const cause = withCode('syntax error near hunter2', '42601');
    const error = toDatabaseError(postgresErrors, cause, context) as DatabaseError;
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error.message).toBe('postgres database shop: claim failed: syntax error near [redacted]');
    expect(error.code).toBe('42601');
    expect(error.retriable).toBe(false);
    expect((error.cause as Error).message).toBe('syntax error near [redacted]');
    expect(String((error.cause as Error).stack)).not.toContain('hunter2');
    expect((error.cause as { code: string }).code).toBe('42601');
  });

  it.each([
    ['postgres', postgresErrors, withCode('relation "kafka_outbox" does not exist', '42P01')],
    ['mysql', mysqlErrors, withCode("Table 'shop.kafka_outbox' doesn't exist", 'ER_NO_SUCH_TABLE')],
  ] as const)(
    'on %s, turns a missing outbox table into a NotMigratedError saying to migrate',
    (_, table, cause) => {
      const error = toDatabaseError(table, cause, { ...context, table: 'kafka_outbox' });
      expect(error).toBeInstanceOf(NotMigratedError);
      expect(error.message).toBe(
        'database shop: the outbox table kafka_outbox does not exist: run `outbox-relay migrate` first',
      );
      expect(error.retriable).toBe(false);
      // Without the table in the context (not the outbox store), it stays a plain DatabaseError.
      expect(toDatabaseError(table, cause, context)).toBeInstanceOf(DatabaseError);
    },
  );

  it('turns a refused password into a ConfigError naming DB_PASS, the password hidden', () => {
    const cause = withCode('password authentication failed: hunter2 is wrong', '28P01');
    const error = toDatabaseError(postgresErrors, cause, { ...context, server }) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(
      'DB_PASS: the postgres server db:5432 refused the password of user "relay": password authentication failed: [redacted] is wrong',
    );
    expect((error.cause as Error).message).not.toContain('hunter2');
  });

  it('names DB_PASS_FILE when the refused password came from that file', () => {
    const cause = withCode('password authentication failed for user "relay"', '28P01');
    const fromFile = { ...server, passwordFrom: 'DB_PASS_FILE' };
    const error = toDatabaseError(postgresErrors, cause, { ...context, server: fromFile }) as ConfigError;
    expect(error.field).toBe('DB_PASS_FILE');
    expect(error.message).toMatch(
      /^DB_PASS_FILE: the postgres server db:5432 refused the password of user "relay"/,
    );
  });

  it.each([
    [
      'postgres',
      'SELF_SIGNED_CERT_IN_CHAIN',
      'self-signed certificate in certificate chain',
      'DB_TLS_CA_FILE',
    ],
    [
      'postgres',
      'ERR_TLS_CERT_ALTNAME_INVALID',
      "Hostname/IP does not match certificate's altnames",
      'DB_HOST',
    ],
    ['mysql', 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'tlsv1 alert unknown ca', 'DB_TLS_CERT_FILE'],
    ['postgres', '28000', 'connection requires a valid client certificate', 'DB_TLS_CERT_FILE'],
    [
      'postgres',
      '28000',
      'pg_hba.conf rejects connection for host "10.0.0.1", user "relay", no encryption',
      'DB_TLS_MODE',
    ],
    ['postgres', '28000', 'no pg_hba.conf entry for host "10.0.0.1"', 'DB_USER'],
    [
      'mysql',
      'ER_ACCESS_DENIED_ERROR',
      "Access denied for user 'relay'@'10.0.0.1' (using password: YES)",
      'DB_PASS',
    ],
    ['mysql', 'HANDSHAKE_NO_SSL_SUPPORT', 'Server does not support secure connection', 'DB_TLS_MODE'],
  ] as const)('on %s, the refusal %s (%s) names %s', (driver, code, message, field) => {
    const table = driver === 'postgres' ? postgresErrors : mysqlErrors;
    const error = toDatabaseError(table, withCode(message, code), { ...context, driver, server });
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe(field);
    expect(error.retriable).toBe(false);
  });

  it('names the file a refused client certificate came from', () => {
    const tls = {
      mode: 'verify-full' as const,
      cert: { variable: 'DB_TLS_CERT_FILE', path: '/tls/tls.crt', pem: '' },
    };
    const error = toDatabaseError(mysqlErrors, withCode('alert', 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA'), {
      ...context,
      server: { ...server, tls },
    });
    expect(error.message).toMatch(/refused the client certificate of \/tls\/tls.crt/);
  });

  it('passes an error that is already a RelayError through unchanged', () => {
    const original = new DatabaseError('already classified', 'X', { retriable: true });
    expect(toDatabaseError(postgresErrors, original, context)).toBe(original);
    const invalid = new ConfigError('ids', 'not an id');
    expect(toDatabaseError(postgresErrors, invalid, context)).toBe(invalid);
  });

  it('handles values that are not errors', () => {
    expect(toDatabaseError(mysqlErrors, 'boom', { ...context, driver: 'mysql' }).message).toBe(
      'mysql database shop: claim failed: boom',
    );
  });
});
