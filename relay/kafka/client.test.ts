import type { SecureContext } from 'node:tls';
import { readCertificates, readKeyPair } from '../config/files.js';
import { hideSecret } from '../redact.js';
import { makePemFixtures } from '../testing/pem-fixtures.js';
import { createKafka, saslOption, sslOption } from './client.js';
import { createLogger } from '../logger.js';
import { loadConfig } from '../config/config.js';

describe('the kafkajs options', () => {
  it("keeps the Go relay's TLS_ENABLE and TLS_SKIP_VERIFY_PEER", () => {
    expect(sslOption({ enabled: false, skipVerify: false })).toBe(false);
    expect(sslOption({ enabled: true, skipVerify: false })).toEqual({ rejectUnauthorized: true });
    expect(sslOption({ enabled: true, skipVerify: true })).toEqual({ rejectUnauthorized: false });
  });

  it('carries the CA and the client certificate in a secure context, the key in no plain object', () => {
    const files = makePemFixtures();
    try {
      const tls = {
        enabled: true,
        skipVerify: false,
        ca: readCertificates('KAFKA_TLS_CA_FILE', files.ca),
        ...readKeyPair(
          { variable: 'KAFKA_TLS_CERT_FILE', path: files.cert },
          { variable: 'KAFKA_TLS_KEY_FILE', path: files.key },
        ),
      };
      const ssl = sslOption(tls) as { rejectUnauthorized: boolean; secureContext: SecureContext };
      expect(ssl.rejectUnauthorized).toBe(true);
      expect(ssl.secureContext).toBeDefined();
      // kafkajs copies its ssl options with Object.assign: the context survives the copy.
      expect(Object.assign({}, ssl).secureContext).toBe(ssl.secureContext);
    } finally {
      files.remove();
    }
  });

  it('hands kafkajs the SASL password without making it enumerable', () => {
    const sasl = hideSecret(
      { mechanism: 'scram-sha-512' as const, username: 'u', usernameFrom: 'A', passwordFrom: 'B' },
      'password',
      'pw-9',
    ) as Parameters<typeof saslOption>[0] & object;
    const options = saslOption(sasl) as { mechanism: string; username: string; password: string };
    expect(options).toMatchObject({ mechanism: 'scram-sha-512', username: 'u' });
    expect(options.password).toBe('pw-9');
    expect(JSON.stringify(options)).not.toContain('pw-9');
    expect(saslOption(undefined)).toBeUndefined();
  });
});

describe('createKafka logging', () => {
  it("routes kafkajs's lines to debug with the kafkajs module that logged them", () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger(
      { level: 'debug' },
      { write: (line: string) => void lines.push(JSON.parse(line)) },
    );
    const config = loadConfig({
      DB_HOST: 'h',
      DB_USER: 'u',
      DB_NAME: 'd',
      DB_DRIVER: 'postgres',
      KAFKA_HOST: 'k:9092',
    });
    createKafka(config.kafka, logger)
      .logger()
      .namespace('Connection')
      .warn('broker went away', { broker: 'k:9092' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 20,
      component: 'kafkajs',
      namespace: 'Connection',
      msg: 'broker went away',
      broker: 'k:9092',
    });
  });
});
