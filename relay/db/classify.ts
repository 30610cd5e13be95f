// Turns whatever a driver threw into a DatabaseError whose `retriable` comes from the dialect's table of
// error codes, with the password scrubbed from the message and from the whole chain of the error kept as
// its cause. A refusal that no retry fixes (a wrong password, a certificate not trusted or refused) becomes
// a ConfigError naming the setting instead (config-errors.ts).
import { DatabaseError, NotMigratedError, RelayError } from '../errors.js';
import { redactError } from '../redact.js';
import type { DatabaseTls } from '../tls/types.js';
import { databaseConfigError } from './config-errors.js';
import type { Driver } from './store.js';
import { redactSecret } from './redact.js';

/** Why a server refused the relay, when no retry can change it. */
export type Refusal = 'password' | 'client-certificate' | 'tls-required' | 'no-tls' | 'user';

export interface ErrorTable {
  /** Is an error with this code (SQLSTATE, MySQL name or number, Node socket code) worth retrying? */
  isRetriable(code: string): boolean;
  /** Driver errors that carry no code, recognised by their message (a connection that ended under us). */
  retriableMessages: readonly RegExp[];
  /** The refusal an error with this code and message is, if it is one. */
  refusal(code: string | undefined, message: string): Refusal | undefined;
  /** Does this code say the table queried does not exist (the outbox table, before `migrate`)? */
  isMissingTable(code: string): boolean;
}

/** Node socket and DNS errors: the server is unreachable now, perhaps not in a moment. */
export const NODE_SOCKET_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ESOCKETTIMEDOUT',
]);

export interface ErrorContext {
  driver: Driver;
  database: string;
  operation: string;
  password: string;
  /** The outbox table, named when the server says it does not exist. */
  table?: string;
  /** Where the store connects and how: for the errors that name a setting. */
  server?: {
    host: string;
    port: number;
    user: string;
    tls: DatabaseTls;
    /** The setting the password came from (DB_PASS, or DB_PASS_FILE): the one a refusal names. */
    passwordFrom?: string;
  };
}

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code !== '') return code;
  if (typeof code === 'number') return String(code);
  return undefined;
}

export function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map(messageOf).join('; ');
  }
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

/** The first code found on the error or, for AggregateError (several addresses tried), on its parts. */
function findCode(error: unknown): string | undefined {
  const own = codeOf(error);
  if (own !== undefined) return own;
  if (error instanceof AggregateError) {
    for (const part of error.errors) {
      const code = codeOf(part);
      if (code !== undefined) return code;
    }
  }
  return undefined;
}

export function classify(
  table: ErrorTable,
  error: unknown,
): { code: string | undefined; retriable: boolean } {
  const code = findCode(error);
  if (code !== undefined && table.isRetriable(code)) return { code, retriable: true };
  const message = messageOf(error);
  return { code, retriable: table.retriableMessages.some((pattern) => pattern.test(message)) };
}

/** A RelayError (already classified: a DatabaseError, a ConfigError for a bad argument) passes through. */
export function toDatabaseError(table: ErrorTable, error: unknown, context: ErrorContext): RelayError {
  if (error instanceof RelayError) return error;
  const { code, retriable } = classify(table, error);
  const detail = redactSecret(messageOf(error), context.password);
  const cause = redactError(error, [context.password]);
  const refused = databaseConfigError(table.refusal(code, detail), error, { ...context, detail, cause });
  if (refused) return refused;
  if (context.table !== undefined && code !== undefined && table.isMissingTable(code))
    return new NotMigratedError(context.database, context.table, code, { cause });
  const message = `${context.driver} database ${context.database}: ${context.operation} failed: ${detail}`;
  return new DatabaseError(message, code, { retriable, cause });
}
