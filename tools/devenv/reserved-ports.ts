// The local servers' ports lie in the kernel's ephemeral range (32768-60999 by default), so an outgoing
// connection of any client may be given one of them as its local port. A server restarted while such a
// connection lives cannot bind its port ("Address already in use"): a Kafka restart under the soak's
// load failed that way, and its controller then died. Reserving the ports (net.ipv4.ip_local_reserved_ports)
// keeps the kernel from handing them out; explicit binds still work. It needs root; without it, or on a
// kernel without the setting, the servers run as before and the reason is logged.
import { readFileSync, writeFileSync } from 'node:fs';
import { PORT_SPAN, portBase } from './ports.js';

export const RESERVED_PORTS_FILE = '/proc/sys/net/ipv4/ip_local_reserved_ports';

/** The reserved list with [from, to] added, unless a listed range already covers it. */
export function withReserved(current: string, from: number, to: number): string {
  const entries = current
    .trim()
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  const covered = entries.some((e) => {
    const [lo, hi = lo] = e.split('-').map(Number);
    return lo! <= from && to <= hi!;
  });
  return covered ? entries.join(',') : [...entries, `${from}-${to}`].join(',');
}

/** Reserves the local servers' ports; returns what it did, or why it could not, for the progress log. */
export function reserveDevenvPorts(
  env: NodeJS.ProcessEnv = process.env,
  file: string = RESERVED_PORTS_FILE,
): string {
  const from = portBase(env);
  const to = from + PORT_SPAN - 1;
  try {
    const current = readFileSync(file, 'utf8');
    const wanted = withReserved(current, from, to);
    if (wanted === current.trim()) return `ports ${from}-${to} already reserved`;
    writeFileSync(file, `${wanted}\n`);
    return `ports ${from}-${to} reserved from the kernel's ephemeral ports`;
  } catch (error) {
    return `ports ${from}-${to} not reserved (${(error as Error).message}); a restarted server may find its port taken`;
  }
}
