// MySQL/MariaDB errors worth retrying, by mysql2's error code (the server's ER_* name, the client's CR_* or
// PROTOCOL_* name, or Node's socket code): the connection went away, the server is shutting down or full,
// the transaction lost a lock race, or the server became read-only during a failover. Everything else is a
// bug or a configuration error and is not retried.
import { NODE_SOCKET_CODES, type ErrorTable, type Refusal } from '../classify.js';

export const RETRIABLE_CODES: Readonly<Record<string, number | undefined>> = {
  ER_LOCK_DEADLOCK: 1213,
  ER_LOCK_WAIT_TIMEOUT: 1205,
  ER_CON_COUNT_ERROR: 1040,
  ER_TOO_MANY_USER_CONNECTIONS: 1203,
  ER_USER_LIMIT_REACHED: 1226,
  ER_SERVER_SHUTDOWN: 1053,
  ER_NORMAL_SHUTDOWN: 1077,
  ER_SHUTDOWN_COMPLETE: 1079,
  ER_CONNECTION_KILLED: 1927,
  ER_QUERY_INTERRUPTED: 1317,
  ER_NET_READ_ERROR: 1158,
  ER_NET_READ_INTERRUPTED: 1159,
  ER_NET_ERROR_ON_WRITE: 1160,
  ER_NET_WRITE_INTERRUPTED: 1161,
  ER_OPTION_PREVENTS_STATEMENT: 1290,
  ER_LOCK_NOWAIT: 3572,
  ER_CLIENT_INTERACTION_TIMEOUT: 4031,
  CR_CONNECTION_ERROR: 2002,
  CR_CONN_HOST_ERROR: 2003,
  CR_SERVER_GONE_ERROR: 2006,
  CR_SERVER_LOST: 2013,
  PROTOCOL_CONNECTION_LOST: undefined,
  PROTOCOL_SEQUENCE_TIMEOUT: undefined,
  PROTOCOL_PACKETS_OUT_OF_ORDER: undefined,
};

const RETRIABLE_NUMBERS = new Set(
  Object.values(RETRIABLE_CODES)
    .filter((n): n is number => n !== undefined)
    .map(String),
);

/**
 * Refusals that no retry fixes. MySQL answers a wrong password, an account that requires TLS (REQUIRE
 * SSL) and one that requires a client certificate (REQUIRE X509, SUBJECT) alike, with access denied.
 */
function refusal(code: string | undefined): Refusal | undefined {
  if (code === 'ER_ACCESS_DENIED_ERROR' || code === 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR') return 'password';
  if (code === 'ER_DBACCESS_DENIED_ERROR') return 'user';
  if (code === 'HANDSHAKE_NO_SSL_SUPPORT') return 'no-tls';
  return undefined;
}

export const mysqlErrors: ErrorTable = {
  refusal,
  // 1146: Table 'db.table' doesn't exist
  isMissingTable: (code) => code === 'ER_NO_SUCH_TABLE' || code === '1146',
  isRetriable(code: string): boolean {
    return NODE_SOCKET_CODES.has(code) || code in RETRIABLE_CODES || RETRIABLE_NUMBERS.has(code);
  },
  // mysql2 raises these without a code when a connection or the pool closes under a query.
  retriableMessages: [
    /Can't add new command when connection is in closed state/i,
    /Connection lost: The server closed the connection/i,
    /connect ETIMEDOUT/i,
  ],
};
