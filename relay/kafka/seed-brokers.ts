// kafkajs reads a seed broker as host:port by splitting it at every colon, so an IPv6 literal in brackets
// ([::1]:9092, as KAFKA_HOST takes it) would be cut at its first colon. Such a seed is handed to kafkajs
// under a stand-in host name, which the socket factory turns back into the address; the brokers the
// cluster's metadata names come with their host and port apart and go through as they are.
import net from 'node:net';
import tls from 'node:tls';
import type { ISocketFactory } from 'kafkajs';

/** As kafkajs's own socket factory. */
const KEEP_ALIVE_DELAY_MS = 60_000;
const BRACKETED = /^\[(.+)\]:([0-9]+)$/;

export interface SeedBrokers {
  /** What kafkajs is given: host:port each, an IPv6 seed under its stand-in name. */
  brokers: string[];
  /** Each stand-in name and the address it stands for. */
  addresses: ReadonlyMap<string, string>;
}

export function seedBrokers(brokers: readonly string[]): SeedBrokers {
  const addresses = new Map<string, string>();
  const named = brokers.map((broker) => {
    const match = BRACKETED.exec(broker);
    if (!match) return broker;
    const standIn = `ipv6-seed-${addresses.size}.invalid`;
    addresses.set(standIn, match[1] as string);
    return `${standIn}:${match[2] as string}`;
  });
  return { brokers: named, addresses };
}

/** kafkajs's socket factory, connecting a stand-in name to its address. */
export function socketFactory(addresses: ReadonlyMap<string, string>): ISocketFactory {
  return ({ host, port, ssl, onConnect }) => {
    const address = addresses.get(host) ?? host;
    const socket = ssl
      ? tls.connect(
          { host: address, port, ...(net.isIP(address) ? {} : { servername: address }), ...ssl },
          onConnect,
        )
      : net.connect({ host: address, port }, onConnect);
    socket.setKeepAlive(true, KEEP_ALIVE_DELAY_MS);
    return socket;
  };
}
