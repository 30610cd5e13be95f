import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeTerminationMessage } from './termination.js';

describe('the termination message', () => {
  it('is written where Kubernetes reads it, and nowhere when that file does not exist', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'termination-'));
    try {
      const file = path.join(dir, 'termination-log');
      expect(writeTerminationMessage('KAFKA_SASL_PASSWORD: refused', file)).toBe(false);
      writeFileSync(file, '');
      expect(writeTerminationMessage('KAFKA_SASL_PASSWORD: refused', file)).toBe(true);
      expect(readFileSync(file, 'utf8')).toBe('KAFKA_SASL_PASSWORD: refused');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
