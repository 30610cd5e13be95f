// Fixed loopback ports, away from the servers' usual ones so a system PostgreSQL or MySQL can run beside
// them. OUTBOX_RELAY_DEVENV_PORT_BASE moves them all at once.
export interface Ports {
  postgres: number;
  mariadb: number;
  kafka: number;
  kafkaController: number;
  /** Kafka's SSL listener (server certificate only). */
  kafkaSsl: number;
  /** Kafka's SASL_SSL listener (SCRAM-SHA-512, SCRAM-SHA-256, PLAIN). */
  kafkaSaslSsl: number;
  /** Kafka's SSL listener that requires a client certificate (ssl.client.auth=required). */
  kafkaMtls: number;
  etcd: number;
  etcdPeer: number;
  apiserver: number;
  kwok: number;
  /** Kafka's listener for pods, on the devenv bridge's gateway address (node/node-settings.ts). */
  kafkaPods: number;
  /** Kafka's SSL, SASL_SSL and client-certificate listeners for pods, on the same gateway address. */
  kafkaPodsSsl: number;
  kafkaPodsSaslSsl: number;
  kafkaPodsMtls: number;
}

/** Every port of the local servers (the node's included, node/node-settings.ts) is in [base, base + PORT_SPAN). */
export const PORT_SPAN = 500;

export function portBase(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.OUTBOX_RELAY_DEVENV_PORT_BASE ?? '47000';
  const base = Number(raw);
  if (!Number.isInteger(base) || base < 1024 || base > 64000) {
    throw new Error(`OUTBOX_RELAY_DEVENV_PORT_BASE must be an integer from 1024 to 64000, got "${raw}"`);
  }
  return base;
}

export function ports(env: NodeJS.ProcessEnv = process.env): Ports {
  const base = portBase(env);
  return {
    postgres: base + 432,
    mariadb: base + 306,
    kafka: base + 92,
    kafkaController: base + 93,
    kafkaSsl: base + 94,
    kafkaSaslSsl: base + 95,
    kafkaMtls: base + 96,
    etcd: base + 379,
    etcdPeer: base + 380,
    apiserver: base + 443,
    kwok: base + 80,
    kafkaPods: base + 190,
    kafkaPodsSsl: base + 191,
    kafkaPodsSaslSsl: base + 192,
    kafkaPodsMtls: base + 193,
  };
}
