// What the schema cannot check: the referenced Secrets exist and hold the keys. Only key names are
// looked at and reported, never values; the hash is over each Secret's uid and resourceVersion
// (render/secret-hash.ts).
import { Reason } from '../api/reasons.js';
import { referencedSecrets, type OutboxRelay } from '../api/types.js';
import { secretHash } from '../render/secret-hash.js';

export interface SecretLike {
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
  data?: Record<string, string>;
}

export type SecretsResult =
  | { ok: true; hash: string }
  | { ok: false; reason: typeof Reason.SecretNotFound | typeof Reason.SecretKeyMissing; message: string };

export function checkSecrets(
  relay: OutboxRelay,
  lookup: (name: string) => SecretLike | undefined,
): SecretsResult {
  const versions = [];
  for (const ref of referencedSecrets(relay)) {
    const secret = lookup(ref.name);
    if (!secret) {
      return { ok: false, reason: Reason.SecretNotFound, message: `Secret ${ref.name} not found` };
    }
    const data = secret.data ?? {};
    const missing = ref.keys.filter((k) => data[k] === undefined);
    if (missing.length > 0) {
      return {
        ok: false,
        reason: Reason.SecretKeyMissing,
        message: `Secret ${ref.name} has no key ${missing.join(', ')}`,
      };
    }
    versions.push({
      name: ref.name,
      uid: secret.metadata?.uid,
      resourceVersion: secret.metadata?.resourceVersion,
    });
  }
  return { ok: true, hash: secretHash(versions) };
}
