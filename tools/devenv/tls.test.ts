import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SETTINGS } from '../../relay/config/definitions.js';
import { devenvExports } from './env-file.js';
import { serverProperties } from './kafka.js';
import { securityProperties } from './kafka-security.js';
import { settings, tlsSans } from './settings.js';
import { sanEntry, serverNames } from './tls-pki.js';

const env = { OUTBOX_RELAY_DEVENV_DIR: '/tmp/devenv-tls-test', OUTBOX_RELAY_DEVENV_PORT_BASE: '30000' };

describe('the devenv TLS', () => {
  it('names loopback and the bridge gateway in every server certificate, plus OUTBOX_RELAY_DEVENV_TLS_SANS', () => {
    expect(serverNames({ tlsSans: [] })).toEqual(['127.0.0.1', 'localhost', '10.244.77.1']);
    const extra = tlsSans({ OUTBOX_RELAY_DEVENV_TLS_SANS: '10.9.8.1, kafka.devenv.test' });
    expect(serverNames({ tlsSans: extra })).toEqual([
      '127.0.0.1',
      'localhost',
      '10.244.77.1',
      '10.9.8.1',
      'kafka.devenv.test',
    ]);
    expect(sanEntry('10.9.8.1')).toBe('IP:10.9.8.1');
    expect(sanEntry('kafka.devenv.test')).toBe('DNS:kafka.devenv.test');
    expect(() => tlsSans({ OUTBOX_RELAY_DEVENV_TLS_SANS: 'not a name' })).toThrow(
      /OUTBOX_RELAY_DEVENV_TLS_SANS/,
    );
  });

  it('gives Kafka SSL, SASL_SSL and MTLS listeners beside PLAINTEXT, on loopback and for pods on the gateway', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kafka-props-'));
    try {
      const files = { keystore: path.join(dir, 'k.pem'), truststore: path.join(dir, 't.pem') };
      writeFileSync(files.keystore, 'KEY');
      writeFileSync(files.truststore, 'CA');
      const s = settings(env);
      const text = serverProperties(s, path.join(dir, 'data'), files);
      const line = (key: string) => text.split('\n').find((l) => l.startsWith(`${key}=`));
      expect(line('listeners')).toContain('PLAINTEXT://127.0.0.1:30092');
      expect(line('advertised.listeners')).toContain(
        'SSL://127.0.0.1:30094,SASL_SSL://127.0.0.1:30095,MTLS://127.0.0.1:30096',
      );
      expect(line('listener.security.protocol.map')).toContain('SASL_SSL:SASL_SSL,MTLS:SSL');
      expect(line('inter.broker.listener.name')).toBe('inter.broker.listener.name=PLAINTEXT');
      expect(text).toContain('listener.name.mtls.ssl.client.auth=required');
      // The same three for pods, on the bridge's gateway, with the same rules.
      expect(line('advertised.listeners')).toContain(
        'PODS_SSL://10.244.77.1:30191,PODS_SASL_SSL://10.244.77.1:30192,PODS_MTLS://10.244.77.1:30193',
      );
      expect(line('listener.security.protocol.map')).toContain(
        'PODS_SSL:SSL,PODS_SASL_SSL:SASL_SSL,PODS_MTLS:SSL',
      );
      expect(text).toContain('listener.name.pods_mtls.ssl.client.auth=required');
      expect(line('listener.name.pods_sasl_ssl.sasl.enabled.mechanisms')).toBe(
        'listener.name.pods_sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256,PLAIN',
      );
      expect(text).toMatch(/listener\.name\.pods_sasl_ssl\.plain\.sasl\.jaas\.config=.*user_outbox_plain=/);
      expect(text).toContain('ssl.keystore.type=PEM');
      expect(securityProperties(s, files).join('\n')).toMatch(/user_outbox_plain="outbox-plain-local-only"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('extends the exports without a variable the relay or libpq reads', () => {
    const exports = devenvExports(settings(env));
    for (const key of ['PGHOST', 'PGPASSWORD', 'MYSQL_HOST', 'KAFKA_BROKERS', 'KUBECONFIG', 'DOCKER_HOST']) {
      expect(exports[key]).toBeDefined();
    }
    expect(exports).toMatchObject({
      KAFKA_SSL_BROKERS: '127.0.0.1:30094',
      KAFKA_SASL_SSL_BROKERS: '127.0.0.1:30095',
      KAFKA_MTLS_BROKERS: '127.0.0.1:30096',
      KAFKA_POD_SSL_BROKERS: '10.244.77.1:30191',
      KAFKA_POD_SASL_SSL_BROKERS: '10.244.77.1:30192',
      KAFKA_POD_MTLS_BROKERS: '10.244.77.1:30193',
      DEVENV_TLS_CA_FILE: '/tmp/devenv-tls-test/tls/ca.crt',
      PG_CERT_USER: 'outbox_cert',
    });
    const relayReads = new Set(SETTINGS.map((d) => d.name));
    expect(Object.keys(exports).filter((k) => relayReads.has(k) || k.startsWith('PGSSL'))).toEqual([]);
  });
});
