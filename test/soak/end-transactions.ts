// Before the checker reads Kafka back. A relay stopped while Kafka was down may leave a transaction that it
// could neither commit nor abort. That transaction stays open on the broker until its timeout, and holds
// read_committed readers at the partition's last stable offset; kafkajs's admin offsets are that offset too.
// The checker would then stop short of rows that are committed. It ends such transactions as a relay
// taking the shares over would: it fences the transactional id of every relay of the run, by the member
// names in the relays' logs.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createKafka } from '../../relay/kafka/client.js';
import { createFence } from '../../relay/kafka/transactions.js';
import { loadConfig } from '../../relay/config/config.js';
import { createLogger } from '../../relay/logger.js';

/** The member names the relays logged. */
export function membersLogged(logDir: string): string[] {
  const members = new Set<string>();
  for (const file of readdirSync(logDir).filter((f) => f.endsWith('.log'))) {
    for (const match of readFileSync(path.join(logDir, file), 'utf8').matchAll(/"member":"([^"]+)"/g))
      members.add(match[1]!);
  }
  return [...members];
}

/** Fences every member's transactional id of the table `source`; returns how many. */
export async function endTransactions(brokers: string[], source: string, members: string[]): Promise<number> {
  const env = { KAFKA_HOST: brokers.join(','), DB_DRIVER: 'postgres', DB_HOST: 'unused', DB_USER: 'unused' };
  const config = loadConfig({ ...env, DB_PASS: 'unused', DB_NAME: 'unused' }).kafka;
  const fence = createFence(createKafka(config, createLogger({ level: 'silent' })), source);
  for (const member of members) await fence(member);
  return members.length;
}
