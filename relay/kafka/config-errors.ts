// The Kafka errors that are mistakes in the configuration, as ConfigErrors naming the setting to fix: the
// SASL login refused (KAFKA_SASL_PASSWORD or the file it came from), a listener without SASL or without the
// mechanism (KAFKA_SASL_MECHANISM), a broker certificate not signed by a CA the relay trusts
// (KAFKA_TLS_CA_FILE), one that does not name the broker dialled (KAFKA_HOST), a client certificate refused
// or missing (KAFKA_TLS_CERT_FILE). kafkajs reports them as a KafkaJSSASLAuthenticationError, a protocol
// error type, or a connection error carrying Node's TLS code; retrying changes none of them, and counting
// them against rows would turn a typo into errored rows. The relay stops and says so (main.ts).
import type { KafkaConfig } from '../config/config.js';
import { errorChain } from '../error-chain.js';
import { ConfigError } from '../errors.js';
import { tlsFailure } from '../tls/failures.js';
import { kafkaErrorType } from './error-table.js';

/** Protocol error types that mean the listener does not take this SASL login at all. */
const SASL_SETUP_TYPES = new Set(['ILLEGAL_SASL_STATE', 'UNSUPPORTED_SASL_MECHANISM']);

function brokerOf(error: unknown, config: KafkaConfig): string {
  for (const e of errorChain(error)) {
    const broker = (e as { broker?: unknown } | null)?.broker;
    if (typeof broker === 'string') return `broker ${broker}`;
  }
  return `the broker (of ${config.brokers.join(', ')})`;
}

function saslError(error: unknown, config: KafkaConfig, cause: unknown): ConfigError | undefined {
  const sasl = config.sasl;
  const refused = errorChain(error).find(
    (e) => (e as { name?: unknown } | null)?.name === 'KafkaJSSASLAuthenticationError',
  );
  if (refused && sasl) {
    const said = String((refused as Error).message);
    return new ConfigError(
      sasl.passwordFrom,
      `${brokerOf(error, config)} refused the SASL ${sasl.mechanism} login of user "${sasl.username}" (${sasl.usernameFrom}, ${sasl.passwordFrom}): ${said}`,
      { cause },
    );
  }
  const type = kafkaErrorType(error);
  if (type && SASL_SETUP_TYPES.has(type)) {
    return new ConfigError(
      'KAFKA_SASL_MECHANISM',
      `${brokerOf(error, config)} does not take a SASL ${sasl?.mechanism ?? ''} login on this listener (${type}): is KAFKA_HOST the listener for SASL?`,
      { cause },
    );
  }
  return undefined;
}

function tlsError(error: unknown, config: KafkaConfig, cause: unknown): ConfigError | undefined {
  const failure = tlsFailure(error);
  if (!failure) return undefined;
  const { tls } = config;
  const why = `${failure.reason} (${failure.code})`;
  switch (failure.kind) {
    case 'untrusted': {
      const cas = tls.ca ? `a CA of ${tls.ca.path}` : "a CA of the system's (KAFKA_TLS_CA_FILE is unset)";
      return new ConfigError(
        tls.ca?.variable ?? 'KAFKA_TLS_CA_FILE',
        `the certificate of ${brokerOf(error, config)} is not signed by ${cas}: ${why}`,
        { cause },
      );
    }
    case 'hostname':
      return new ConfigError(
        'KAFKA_HOST',
        `the certificate of ${brokerOf(error, config)} does not name the host dialled: ${why}; use the names the brokers' certificates carry`,
        { cause },
      );
    case 'client-certificate':
      return new ConfigError(
        tls.cert?.variable ?? 'KAFKA_TLS_CERT_FILE',
        `${brokerOf(error, config)} refused the client certificate${tls.cert ? ` of ${tls.cert.path}` : ' (none is set: KAFKA_TLS_CERT_FILE, KAFKA_TLS_KEY_FILE)'}: ${why}`,
        { cause },
      );
  }
}

/** The ConfigError a kafkajs error amounts to, or undefined when it is not a configuration mistake. */
export function kafkaConfigError(
  error: unknown,
  config: KafkaConfig,
  cause: unknown = error,
): ConfigError | undefined {
  if (error instanceof ConfigError) return error;
  return saslError(error, config, cause) ?? tlsError(error, config, cause);
}
