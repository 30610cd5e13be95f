// A digest of the referenced Secret values, put on the pod template so a changed Secret rolls the
// Deployment. Only the referenced keys count, so editing an unrelated key does not restart the relay.
import { createHash } from 'node:crypto';

export interface SecretValues {
  name: string;
  /** base64 values, as the API returns them. */
  data: Record<string, string>;
  keys: string[];
}

export function secretHash(secrets: SecretValues[]): string {
  const h = createHash('sha256');
  for (const s of [...secrets].sort((a, b) => a.name.localeCompare(b.name))) {
    for (const key of [...s.keys].sort()) {
      h.update(`${s.name}\0${key}\0${s.data[key] ?? ''}\0`);
    }
  }
  return h.digest('hex').slice(0, 16);
}
