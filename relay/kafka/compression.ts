// The produce compression of KAFKA_COMPRESSION, as kafkajs's codec type. kafkajs has gzip built in (node's
// zlib, on libuv's thread pool) and takes other codecs from outside: lz4 is lz4-napi's LZ4 frame format,
// the format Kafka's own clients write and read for lz4 (magic v2 record batches). Measured on the local
// broker (bench/RESULTS.md, "Throughput against the broker's limit"): in 5 pairs of PostgreSQL drains run
// one after the other, the drain with lz4 was 1.35 times the drain with gzip (median; 1.23-2.00), the
// relay's publisher alone 1.44 times. lz4-napi is loaded only when lz4 is configured, so a relay on gzip
// loads no native code for it.
import { createRequire } from 'node:module';
import kafkajs from 'kafkajs';
import type { KafkaConfig } from '../config/config.js';

// kafkajs is CommonJS: its enums are reached through the default export under ESM.
const { CompressionTypes, CompressionCodecs } = kafkajs;

interface Lz4Frames {
  compressFrame(data: Buffer): Promise<Buffer>;
  decompressFrame(data: Buffer): Promise<Buffer>;
}

/** A kafkajs codec: compress gets the encoded records (an Encoder with .buffer), decompress a buffer. */
export function lz4Codec(lz4: Lz4Frames) {
  return () => ({
    compress: (encoder: { buffer: Buffer }) => lz4.compressFrame(encoder.buffer),
    decompress: (buffer: Buffer) => lz4.decompressFrame(buffer),
  });
}

let lz4Registered = false;

/** kafkajs's type for the configured compression, its codec registered when kafkajs has none built in. */
export function compressionType(compression: KafkaConfig['compression']): number {
  switch (compression) {
    case 'gzip':
      return CompressionTypes.GZIP;
    case 'none':
      return CompressionTypes.None;
    case 'lz4':
      // kafkajs's own entry for lz4 is a placeholder that throws "not implemented": replaced once.
      if (!lz4Registered) {
        const lz4 = createRequire(import.meta.url)('lz4-napi') as Lz4Frames;
        CompressionCodecs[CompressionTypes.LZ4] = lz4Codec(lz4);
        lz4Registered = true;
      }
      return CompressionTypes.LZ4;
  }
}
