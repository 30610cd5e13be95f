// The broker's limit: Kafka's own producer performance tool (org.apache.kafka.tools.ProducerPerformance,
// from the kafka-tools jars at the broker's version, resolved by the devenv into the cache), run on the
// JDK against the benchmark's broker with the drain's guarantees: acks=all, the idempotent producer, the
// drain's compression. Its records differ from the drain's where the tool allows no choice: no key (the
// tool sends null keys, so its default partitioner fills one partition's batch at a time) and no header;
// the values are the drain's own 256-byte JSON payloads, read from a file, one picked at random per record.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { payload } from './outbox.js';

export type PerfCompression = 'gzip' | 'lz4' | 'snappy' | 'zstd' | 'none';

export interface ProducerPerfOptions {
  classpath: string;
  brokers: string;
  topic: string;
  records: number;
  compression: PerfCompression;
  payloadFile: string;
  /** Java producer settings beside the guarantees (linger.ms, batch.size). */
  extraProps?: Record<string, string>;
  /** A Java client properties file (a secured cluster's TLS and SASL settings stay off the command line). */
  configFile?: string;
  heap?: string;
}

/**
 * The Java producer's tuning for the limit: 5 ms linger and 64 KB batches (Kafka 4.0's default linger,
 * and batches that hold a 250-row batch of the drain's records), up to 5 requests in flight (the
 * idempotent producer's maximum that still keeps order).
 */
export const LIMIT_PRODUCER_PROPS: Readonly<Record<string, string>> = {
  'linger.ms': '5',
  'batch.size': '65536',
  'max.in.flight.requests.per.connection': '5',
};

export interface ProducerPerfResult {
  records: number;
  recordsPerSecond: number;
  mbPerSecond: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
  p50Ms: number;
  p99Ms: number;
  /** The tool's summary line, as printed. */
  line: string;
}

/** The JVM's arguments: the guarantees come last, so that extraProps cannot weaken them. */
export function producerPerfArgs(o: ProducerPerfOptions): string[] {
  const props = {
    'bootstrap.servers': o.brokers,
    ...LIMIT_PRODUCER_PROPS,
    ...o.extraProps,
    acks: 'all',
    'enable.idempotence': 'true',
    'compression.type': o.compression,
  };
  return [
    `-Xmx${o.heap ?? '256m'}`,
    '-cp',
    o.classpath,
    'org.apache.kafka.tools.ProducerPerformance',
    '--topic',
    o.topic,
    '--num-records',
    String(o.records),
    '--throughput',
    '-1',
    '--payload-file',
    o.payloadFile,
    ...(o.configFile ? ['--producer.config', o.configFile] : []),
    '--producer-props',
    ...Object.entries(props).map(([k, v]) => `${k}=${v}`),
  ];
}

const SUMMARY =
  /^(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th/m;

/** The tool's final summary line (its progress lines lack the percentiles). */
export function parseProducerPerf(output: string): ProducerPerfResult {
  const m = SUMMARY.exec(output);
  if (!m)
    throw new Error(`no summary line in the producer performance tool's output:\n${output.slice(-2000)}`);
  return {
    records: Number(m[1]),
    recordsPerSecond: Number(m[2]),
    mbPerSecond: Number(m[3]),
    avgLatencyMs: Number(m[4]),
    maxLatencyMs: Number(m[5]),
    p50Ms: Number(m[6]),
    p99Ms: Number(m[8]),
    line: m[0],
  };
}

/** Writes `count` of the drain's payloads, one a line (the tool's default delimiter), and returns the file. */
export function writePayloadFile(count: number, dir = os.tmpdir()): string {
  const file = path.join(dir, `outbox-bench-payloads-${process.pid}.txt`);
  writeFileSync(file, Array.from({ length: count }, (_, seq) => payload(seq)).join('\n') + '\n');
  return file;
}

export async function runProducerPerf(o: ProducerPerfOptions): Promise<ProducerPerfResult> {
  const child = spawn('java', producerPerfArgs(o), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`the producer performance tool exited ${code}:\n${out.slice(-3000)}`);
  const result = parseProducerPerf(out);
  if (result.records !== o.records) {
    throw new Error(`the producer performance tool sent ${result.records} records, not ${o.records}`);
  }
  return result;
}
