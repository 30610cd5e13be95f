import { ConfigError, DatabaseError } from '../errors.js';
import { classify, toDatabaseError } from './classify.js';
import { mysqlErrors } from './mysql/errors.js';
import { postgresErrors } from './postgres/errors.js';

const withCode = (message: string, code: string | number): Error =>
  Object.assign(new Error(message), { code });
const context = { driver: 'postgres' as const, database: 'shop', operation: 'claim', password: 'hunter2' };

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
  it('names the database and operation, keeps the code and cause, and hides the password', () => {
    const cause = withCode('password authentication failed: hunter2 is wrong', '28P01');
    const error = toDatabaseError(postgresErrors, cause, context) as DatabaseError;
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error.message).toBe(
      'postgres database shop: claim failed: password authentication failed: [redacted] is wrong',
    );
    expect(error.code).toBe('28P01');
    expect(error.retriable).toBe(false);
    expect(error.cause).toBe(cause);
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
