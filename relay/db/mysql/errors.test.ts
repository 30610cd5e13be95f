import { mysqlErrors } from './errors.js';

describe('the MySQL/MariaDB error table', () => {
  it.each([
    'ER_LOCK_DEADLOCK',
    'ER_LOCK_WAIT_TIMEOUT',
    'ER_CON_COUNT_ERROR',
    'ER_SERVER_SHUTDOWN',
    'ER_CONNECTION_KILLED',
    'PROTOCOL_CONNECTION_LOST',
    'ECONNREFUSED',
    'ECONNRESET',
    'ETIMEDOUT',
    'EPIPE',
    '1213',
    '2013',
  ])('retries %s', (code) => {
    expect(mysqlErrors.isRetriable(code)).toBe(true);
  });

  it.each([
    'ER_PARSE_ERROR',
    'ER_NO_SUCH_TABLE',
    'ER_ACCESS_DENIED_ERROR',
    'ER_DUP_ENTRY',
    'ER_BAD_DB_ERROR',
    'ER_DATA_TOO_LONG',
    '1064',
    '40P01',
  ])('does not retry %s', (code) => {
    expect(mysqlErrors.isRetriable(code)).toBe(false);
  });
});
