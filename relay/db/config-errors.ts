// The database errors that are mistakes in the configuration, as ConfigErrors naming the setting to fix:
// a server certificate not signed by a CA the relay trusts (DB_TLS_CA_FILE), one that does not name the
// host dialled (DB_HOST), a client certificate refused or missing (DB_TLS_CERT_FILE), a password refused
// (DB_PASS, or DB_PASS_FILE when it came from a file), a user admitted over TLS only (DB_TLS_MODE). No
// retry fixes them; the relay stops and says so.
import { ConfigError } from '../errors.js';
import { tlsFailure } from '../tls/failures.js';
import type { ErrorContext, Refusal } from './classify.js';

export interface RefusalContext extends ErrorContext {
  /** The driver's message, the password already taken out. */
  detail: string;
  /** The driver's error with the password taken out of its whole chain. */
  cause: unknown;
}

function where(context: RefusalContext): string {
  const s = context.server;
  return s ? `the ${context.driver} server ${s.host}:${s.port}` : `the ${context.driver} server`;
}

function tlsError(error: unknown, context: RefusalContext): ConfigError | undefined {
  const failure = tlsFailure(error);
  if (!failure) return undefined;
  const tls = context.server?.tls;
  const options = { cause: context.cause };
  const why = `${failure.reason} (${failure.code})`;
  switch (failure.kind) {
    case 'untrusted': {
      const cas = tls?.ca ? `a CA of ${tls.ca.path}` : "a CA of the system's (DB_TLS_CA_FILE is unset)";
      return new ConfigError(
        tls?.ca?.variable ?? 'DB_TLS_CA_FILE',
        `the certificate of ${where(context)} is not signed by ${cas}: ${why}`,
        options,
      );
    }
    case 'hostname':
      return new ConfigError(
        'DB_HOST',
        `the certificate of ${where(context)} does not name ${context.server?.host ?? 'the host'}: ${why}; connect by a name it carries, or set DB_TLS_MODE=verify-ca to check the CA only`,
        options,
      );
    case 'client-certificate':
      return new ConfigError(
        tls?.cert?.variable ?? 'DB_TLS_CERT_FILE',
        `${where(context)} refused the client certificate${tls?.cert ? ` of ${tls.cert.path}` : ' (none is set)'}: ${why}`,
        options,
      );
  }
}

type Says = (user: string, driver: ErrorContext['driver']) => string;

const REFUSALS: Readonly<Record<Refusal, { setting: string; says: Says }>> = {
  password: {
    setting: 'DB_PASS',
    says: (user, driver) =>
      `refused the password of user "${user}"${driver === 'mysql' ? ' (or the account requires TLS or a client certificate: DB_TLS_MODE, DB_TLS_CERT_FILE)' : ''}`,
  },
  'client-certificate': {
    setting: 'DB_TLS_CERT_FILE',
    says: (user) => `requires a valid client certificate of user "${user}"`,
  },
  'tls-required': { setting: 'DB_TLS_MODE', says: (user) => `accepts user "${user}" over TLS only` },
  'no-tls': { setting: 'DB_TLS_MODE', says: () => 'does not offer TLS' },
  user: { setting: 'DB_USER', says: (user) => `does not accept user "${user}" here` },
};

/** The setting a refusal names: the variable the certificate or the password came from, when known. */
function refusedSetting(refusal: Refusal, setting: string, context: RefusalContext): string {
  if (refusal === 'client-certificate') return context.server?.tls.cert?.variable ?? setting;
  if (refusal === 'password') return context.server?.passwordFrom ?? setting;
  return setting;
}

/** The ConfigError a driver error amounts to, or undefined when it is not a configuration mistake. */
export function databaseConfigError(
  refusal: Refusal | undefined,
  error: unknown,
  context: RefusalContext,
): ConfigError | undefined {
  const tls = tlsError(error, context);
  if (tls || !refusal) return tls;
  const { setting, says } = REFUSALS[refusal];
  const field = refusedSetting(refusal, setting, context);
  const user = context.server?.user ?? 'the configured user';
  return new ConfigError(field, `${where(context)} ${says(user, context.driver)}: ${context.detail}`, {
    cause: context.cause,
  });
}
