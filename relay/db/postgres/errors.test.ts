import { postgresErrors } from './errors.js';

describe('the PostgreSQL error table', () => {
  it.each([
    ['08006', 'connection_failure'],
    ['08001', 'sqlclient_unable_to_establish_sqlconnection'],
    ['08P01', 'protocol_violation (class 08)'],
    ['57P01', 'admin_shutdown'],
    ['57P03', 'cannot_connect_now'],
    ['40P01', 'deadlock_detected'],
    ['40001', 'serialization_failure'],
    ['55P03', 'lock_not_available'],
    ['53300', 'too_many_connections'],
    ['ECONNREFUSED', 'connection refused'],
    ['ECONNRESET', 'connection reset'],
    ['ETIMEDOUT', 'connect timeout'],
    ['EPIPE', 'broken pipe'],
  ])('retries %s (%s)', (code) => {
    expect(postgresErrors.isRetriable(code)).toBe(true);
  });

  it.each([
    ['42601', 'syntax_error'],
    ['42P01', 'undefined_table'],
    ['42501', 'insufficient_privilege'],
    ['23505', 'unique_violation'],
    ['22P02', 'invalid_text_representation'],
    ['28P01', 'invalid_password'],
    ['3D000', 'invalid_catalog_name (no such database)'],
    ['ER_LOCK_DEADLOCK', 'a MySQL code'],
    ['', 'no code'],
  ])('does not retry %s (%s)', (code) => {
    expect(postgresErrors.isRetriable(code)).toBe(false);
  });
});
