import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { reserveDevenvPorts, withReserved } from './reserved-ports.js';

describe('the reserved ports', () => {
  it('adds the range to an empty list or beside other entries, and keeps a list that covers it', () => {
    expect(withReserved('\n', 47000, 47499)).toBe('47000-47499');
    expect(withReserved('8080,9000-9100\n', 47000, 47499)).toBe('8080,9000-9100,47000-47499');
    expect(withReserved('46000-48000\n', 47000, 47499)).toBe('46000-48000');
    expect(withReserved('47000-47100', 47000, 47499)).toBe('47000-47100,47000-47499');
  });

  it('writes the setting once, and says why when it cannot', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'reserved-'));
    const file = path.join(dir, 'ip_local_reserved_ports');
    writeFileSync(file, '8080\n');
    const env = { OUTBOX_RELAY_DEVENV_PORT_BASE: '30000' };
    expect(reserveDevenvPorts(env, file)).toBe(
      "ports 30000-30499 reserved from the kernel's ephemeral ports",
    );
    expect(readFileSync(file, 'utf8')).toBe('8080,30000-30499\n');
    expect(reserveDevenvPorts(env, file)).toBe('ports 30000-30499 already reserved');
    expect(reserveDevenvPorts(env, path.join(dir, 'missing', 'file'))).toMatch(
      /^ports 30000-30499 not reserved \(ENOENT.*\); a restarted server may find its port taken$/,
    );
  });
});
