import kafkajs from 'kafkajs';
import { ConfigError } from '../errors.js';
import type { KafkaConfig } from '../config/config.js';
import { hideSecret } from '../redact.js';
import { kafkaConfigError } from './config-errors.js';

const {
  KafkaJSSASLAuthenticationError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSConnectionError,
  KafkaJSProtocolError,
} = kafkajs;

const ca = { variable: 'KAFKA_TLS_CA_FILE', path: '/etc/kafka-ca/ca.crt', pem: '' };
const cert = { variable: 'KAFKA_TLS_CERT_FILE', path: '/etc/kafka-user/user.crt', pem: '' };
const config = {
  brokers: ['k1:9093'],
  clientId: 'relay',
  tls: { enabled: true, skipVerify: false, ca },
  sasl: hideSecret(
    {
      mechanism: 'scram-sha-512',
      username: 'orders',
      usernameFrom: 'KAFKA_SASL_USERNAME',
      passwordFrom: 'KAFKA_SASL_PASSWORD_FILE',
    },
    'password',
    'pw-77',
  ),
  partitioner: 'murmur2',
  compression: 'gzip',
  publishAttempts: 3,
} as KafkaConfig;

/** A connection error as kafkajs makes it from a socket error, after its own retries. */
function connectionError(code: string, message: string): Error {
  const inner = new KafkaJSConnectionError(`Connection error: ${message}`, { broker: 'k1:9093', code });
  return new KafkaJSNumberOfRetriesExceeded(inner, { retryCount: 3, retryTime: 100 });
}

describe('Kafka configuration errors', () => {
  it('names the password file of a refused SASL login, with the user and the mechanism', () => {
    const error = kafkaConfigError(
      // kafkajs's types declare no arguments; the class takes a message like its siblings.
      new (KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error)(
        'SASL SCRAM SHA512 authentication failed: invalid credentials',
      ),
      config,
    )!;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.field).toBe('KAFKA_SASL_PASSWORD_FILE');
    expect(error.message).toMatch(/refused the SASL scram-sha-512 login of user "orders"/);
    expect(error.retriable).toBe(false);
  });

  it.each([
    [
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'unable to verify the first certificate',
      'KAFKA_TLS_CA_FILE',
      /not signed by a CA of \/etc\/kafka-ca\/ca.crt/,
    ],
    [
      'SELF_SIGNED_CERT_IN_CHAIN',
      'self-signed certificate in certificate chain',
      'KAFKA_TLS_CA_FILE',
      /broker k1:9093/,
    ],
    [
      'ERR_TLS_CERT_ALTNAME_INVALID',
      "Hostname/IP does not match certificate's altnames",
      'KAFKA_HOST',
      /does not name the host dialled/,
    ],
    [
      'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
      'ssl3_read_bytes:sslv3 alert bad certificate',
      'KAFKA_TLS_CERT_FILE',
      /none is set/,
    ],
    [
      'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
      'alert certificate unknown',
      'KAFKA_TLS_CERT_FILE',
      /certificate unknown/,
    ],
  ])('names the setting of a TLS failure %s', (code, message, field, says) => {
    const error = kafkaConfigError(connectionError(code, message), config)!;
    expect(error.field).toBe(field);
    expect(error.message).toMatch(says);
    expect(error.message).toContain(code);
  });

  it('names the file of a client certificate the broker refused', () => {
    const withCert = { ...config, tls: { ...config.tls, cert } };
    const error = kafkaConfigError(
      connectionError('ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN', 'x'),
      withCert,
    )!;
    expect(error.message).toMatch(
      /^KAFKA_TLS_CERT_FILE: broker k1:9093 refused the client certificate of \/etc\/kafka-user\/user.crt/,
    );
  });

  it('names the mechanism when the listener takes no SASL', () => {
    const error = new KafkaJSProtocolError({
      type: 'ILLEGAL_SASL_STATE',
      code: 34,
      retriable: false,
      message: 'x',
    } as never);
    expect(kafkaConfigError(error, config)?.field).toBe('KAFKA_SASL_MECHANISM');
  });

  it('leaves outages alone: they are waited out', () => {
    expect(kafkaConfigError(connectionError('ECONNREFUSED', 'connect ECONNREFUSED'), config)).toBeUndefined();
    expect(kafkaConfigError(connectionError('ECONNRESET', 'socket hang up'), config)).toBeUndefined();
  });
});
