import kafkajs from 'kafkajs';
import { compressionType } from './compression.js';

const { CompressionTypes, CompressionCodecs } = kafkajs;

describe('compressionType', () => {
  it('maps gzip and none to the codecs kafkajs has built in', () => {
    expect(compressionType('gzip')).toBe(CompressionTypes.GZIP);
    expect(compressionType('none')).toBe(CompressionTypes.None);
  });

  it('registers an lz4 codec that writes LZ4 frames (as Kafka clients read them) and reads them back', async () => {
    expect(compressionType('lz4')).toBe(CompressionTypes.LZ4);
    const codec = CompressionCodecs[CompressionTypes.LZ4]!();
    const records = Buffer.from('{"seq":1,"pad":"' + 'x'.repeat(4000) + '"}');
    const compressed = await codec.compress({ buffer: records } as never);
    // The LZ4 frame magic number 0x184D2204, little-endian.
    expect(compressed.subarray(0, 4)).toEqual(Buffer.from([0x04, 0x22, 0x4d, 0x18]));
    expect(compressed.length).toBeLessThan(records.length / 10);
    expect(await codec.decompress(compressed)).toEqual(records);
  });
});
