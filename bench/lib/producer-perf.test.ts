import { readFileSync, rmSync } from 'node:fs';
import { PAYLOAD_BYTES } from './outbox.js';
import { parseProducerPerf, producerPerfArgs, writePayloadFile } from './producer-perf.js';

const base = {
  classpath: 'libs/*',
  brokers: 'b:9092',
  topic: 't',
  records: 1000,
  compression: 'gzip' as const,
  payloadFile: 'p.txt',
};

const props = (args: string[]): Record<string, string> =>
  Object.fromEntries(
    args.slice(args.indexOf('--producer-props') + 1).map((kv) => kv.split('=', 2) as [string, string]),
  );

describe('producerPerfArgs', () => {
  it('sends the records unthrottled with acks=all, idempotence and the compression asked for', () => {
    const args = producerPerfArgs({ ...base, compression: 'lz4' });
    expect(args).toEqual(expect.arrayContaining(['--num-records', '1000', '--throughput', '-1']));
    expect(props(args)).toMatchObject({
      'bootstrap.servers': 'b:9092',
      acks: 'all',
      'enable.idempotence': 'true',
      'compression.type': 'lz4',
      'linger.ms': '5',
    });
  });

  it('lets extra settings tune the producer but never weaken the guarantees', () => {
    const args = producerPerfArgs({
      ...base,
      extraProps: { acks: '1', 'enable.idempotence': 'false', 'linger.ms': '20' },
    });
    expect(props(args)).toMatchObject({ acks: 'all', 'enable.idempotence': 'true', 'linger.ms': '20' });
  });

  it('passes a properties file for a secured cluster instead of settings on the command line', () => {
    const args = producerPerfArgs({ ...base, configFile: 'client.properties' });
    expect(args[args.indexOf('--producer.config') + 1]).toBe('client.properties');
    expect(args.indexOf('--producer.config')).toBeLessThan(args.indexOf('--producer-props'));
  });
});

describe('parseProducerPerf', () => {
  const output = [
    'Number of messages read: 1000',
    '120000 records sent, 24000.0 records/sec (5.86 MB/sec), 80.1 ms avg latency, 400.0 ms max latency.',
    '200000 records sent, 55928.411633 records/sec (13.65 MB/sec), 37.57 ms avg latency, 851.00 ms max latency, 27 ms 50th, 108 ms 95th, 134 ms 99th, 137 ms 99.9th.',
  ].join('\n');

  it('reads the final summary, not a progress line', () => {
    expect(parseProducerPerf(output)).toMatchObject({
      records: 200000,
      recordsPerSecond: 55928.411633,
      mbPerSecond: 13.65,
      avgLatencyMs: 37.57,
      maxLatencyMs: 851,
      p50Ms: 27,
      p99Ms: 134,
    });
  });

  it('fails with the output when there is no summary', () => {
    expect(() => parseProducerPerf('Exception in thread "main" TimeoutException')).toThrow(
      /no summary line.*\n.*TimeoutException/,
    );
  });
});

describe('writePayloadFile', () => {
  it("writes the drain's payloads of PAYLOAD_BYTES bytes, one a line", () => {
    const file = writePayloadFile(3);
    try {
      const lines = readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== '');
      expect(lines).toHaveLength(3);
      for (const line of lines) expect(Buffer.byteLength(line)).toBe(PAYLOAD_BYTES);
      expect(lines[2]).toMatch(/^\{"seq":2,/);
    } finally {
      rmSync(file);
    }
  });
});
