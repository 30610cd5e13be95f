// The relay's error tree. Every error we raise says whether retrying can help (`retriable`) and keeps the
// underlying error as `cause`. Anything that is not a RelayError is a programming error: never retried.
export interface RelayErrorOptions {
  retriable?: boolean;
  cause?: unknown;
}

export class RelayError extends Error {
  readonly retriable: boolean;

  constructor(message: string, options: RelayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
  }
}

/**
 * Bad configuration: names the variable or flag and what it accepts, or, found on connecting (a password
 * refused, a certificate not trusted), what the server said. Never retriable.
 */
export class ConfigError extends RelayError {
  constructor(
    readonly field: string,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(`${field}: ${message}`, { retriable: false, cause: options.cause });
  }
}

/** A database error, with the server's code (SQLSTATE or MySQL error name) when there is one. */
export class DatabaseError extends RelayError {
  constructor(
    message: string,
    readonly code: string | undefined,
    options: RelayErrorOptions = {},
  ) {
    super(message, options);
  }
}

/**
 * The outbox table is not there: `migrate` has not run against this database (or the table was dropped).
 * A DatabaseError with the server's code, not retriable, and not a setting either: the fix is a command,
 * which the message names.
 */
export class NotMigratedError extends DatabaseError {
  constructor(
    readonly database: string,
    readonly table: string,
    code: string,
    options: { cause?: unknown } = {},
  ) {
    super(
      `database ${database}: the outbox table ${table} does not exist: run \`outbox-relay migrate\` first`,
      code,
      {
        retriable: false,
        cause: options.cause,
      },
    );
  }
}

/** A Kafka error, with the protocol error type when the broker gave one. */
export class PublishError extends RelayError {
  constructor(
    message: string,
    readonly kafkaType: string | undefined,
    options: RelayErrorOptions = {},
  ) {
    super(message, options);
  }
}

export function isRetriable(error: unknown): boolean {
  return error instanceof RelayError && error.retriable;
}
