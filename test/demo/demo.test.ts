// The README's first command, end to end: what the operator renders really runs. Same code path as
// `npm run demo`, on its own namespace, database and topic.
import { runDemo, type DemoSummary } from './run-demo.js';
import { uniqueName } from '../support/servers.js';

describe('the demo', () => {
  let summary: DemoSummary;
  const lines: string[] = [];

  beforeAll(async () => {
    summary = await runDemo({
      namespace: uniqueName('t-demo'),
      database: uniqueName('t_demo', '_'),
      topic: uniqueName('t.demo', '.'),
      rows: 9,
      say: (line) => lines.push(line),
    });
  }, 900_000);

  it('runs the relay as a pod on the real node, from the relay image, as the operator rendered it', () => {
    expect(summary.relayNode).toBe('outbox-node-0');
    expect(summary.relayImage).toBe('kafka-outbox-relay/relay:0.1.0');
    expect(summary.relayArgs).toEqual(['run']);
    expect(summary.relayEnvNames).toEqual(
      expect.arrayContaining(['DB_DRIVER', 'DB_HOST', 'DB_PASS_FILE', 'KAFKA_HOST', 'OUTBOX_TABLE']),
    );
  });

  it('delivers every row of the transaction to Kafka, with its outbox-id and headers', () => {
    expect(summary.received.map((m) => m.id).sort()).toEqual([...summary.inserted].sort());
    expect(summary.received.every((m) => m.headers.source === 'outbox-demo')).toBe(true);
    expect(new Set(summary.received.map((m) => m.key))).toEqual(
      new Set(['customer-1', 'customer-2', 'customer-3']),
    );
  });

  it('keeps the rows of each key in id order', () => {
    expect(summary.orderedPerKey).toBe(true);
  });

  it('shows the OutboxRelay Ready in kubectl get outboxrelays', () => {
    expect(summary.ready).toBe('True');
    const row = summary.outboxRelays.trim().split('\n')[1]?.split(/\s+/) ?? [];
    expect(row.slice(0, 5)).toEqual(['orders', 'postgres', 'kafka_outbox', 'True', 'Ready']);
  });

  it('stops the relay pod cleanly on SIGTERM', () => {
    expect(summary.relayStoppedCleanly).toBe(true);
  });

  it('builds the package with its bin entry points executable', () => {
    expect(summary.binModes).toEqual({ 'dist/relay/main.js': 0o755, 'dist/operator/main.js': 0o755 });
  });

  it('prints no error of the Kafka client (the consumer waits for its group coordinator)', () => {
    expect(lines.some((line) => line.includes('outbox-id'))).toBe(true);
    expect(lines.filter((line) => /kafkajs (ERROR|WARN)/.test(line))).toEqual([]);
  });

  it('never prints the database password', () => {
    expect(lines.join('\n')).not.toContain(process.env.PGPASSWORD);
  });
});
