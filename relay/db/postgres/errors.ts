// PostgreSQL errors worth retrying, by SQLSTATE (https://www.postgresql.org/docs/current/errcodes-appendix.html):
// the connection went away, the server is shutting down or starting, or the transaction lost a race that a
// retry wins. Everything else (syntax, constraint, permission, missing table) is a bug or a configuration
// error and is not retried.
import { NODE_SOCKET_CODES, type ErrorTable, type Refusal } from '../classify.js';

/** SQLSTATE classes retried whole. */
export const RETRIABLE_CLASSES: Readonly<Record<string, string>> = {
  '08': 'connection exception',
};

/** Single SQLSTATE codes retried. */
export const RETRIABLE_CODES: Readonly<Record<string, string>> = {
  '40001': 'serialization_failure',
  '40P01': 'deadlock_detected',
  '55P03': 'lock_not_available',
  '53300': 'too_many_connections',
  '53400': 'configuration_limit_exceeded',
  '57014': 'query_canceled',
  '57P01': 'admin_shutdown',
  '57P02': 'crash_shutdown',
  '57P03': 'cannot_connect_now',
  '57P05': 'idle_session_timeout',
  '25P03': 'idle_in_transaction_session_timeout',
  '58000': 'system_error',
};

/**
 * Refusals that no retry fixes (28P01 invalid_password, 28000 invalid_authorization_specification, and
 * node-postgres's own error when the server has TLS off): the relay reports them naming the setting.
 * 28000 covers several refusals; its message tells them apart.
 */
function refusal(code: string | undefined, message: string): Refusal | undefined {
  if (code === '28P01') return 'password';
  if (code === '28000') {
    if (/certificate/i.test(message)) return 'client-certificate';
    if (/no encryption/i.test(message)) return 'tls-required';
    return 'user';
  }
  if (code === undefined && /does not support SSL/i.test(message)) return 'no-tls';
  return undefined;
}

export const postgresErrors: ErrorTable = {
  refusal,
  // undefined_table
  isMissingTable: (code) => code === '42P01',
  isRetriable(code: string): boolean {
    if (NODE_SOCKET_CODES.has(code)) return true;
    if (!/^[0-9A-Z]{5}$/.test(code)) return false;
    return code in RETRIABLE_CODES || code.slice(0, 2) in RETRIABLE_CLASSES;
  },
  // node-postgres raises these without a code when the socket ends or a connect times out.
  retriableMessages: [
    /Connection terminated/i,
    /connection timeout/i,
    /timeout exceeded when trying to connect/i,
    /Client has encountered a connection error and is not queryable/i,
    /Client was closed and is not queryable/i,
    /server closed the connection unexpectedly/i,
  ],
};
