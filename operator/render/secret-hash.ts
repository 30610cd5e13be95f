// The pod template's `outbox.kafka-relay.dev/secret-hash`: what rolls the Deployment when a referenced
// Secret changes (the relay reads its credentials and key material once, at start).
//
// The problem: an unsalted SHA-256 over the Secret values put a function of the credentials on an
// annotation that anyone who can read Deployments (far more people than can read Secrets) sees; a short
// or common password can be guessed offline against it.
// The rule: the digest is over what identifies a version of each referenced Secret, never its data: the
// Secret's name, uid and resourceVersion. The API server changes the resourceVersion on every write, and
// the uid when a Secret is deleted and made again, so a rotated password or client certificate still rolls
// the pods; nothing of the values goes in, so the annotation tells nothing about them.
// Chosen over an HMAC of the values with a key only the operator holds: that key would have to outlive
// operator restarts and leader changes (else every relay rolls when the operator restarts), so it would be
// one more Secret to create, read and guard. The price: any write to a referenced Secret rolls the pods,
// also one that changes only a key the relay does not use or a label. And the operator needs no Secret data
// for the hash (it still reads key names to report a missing key, controller/secrets-check.ts).
import { createHash } from 'node:crypto';

export interface SecretVersion {
  name: string;
  uid?: string;
  resourceVersion?: string;
}

export function secretHash(secrets: SecretVersion[]): string {
  const h = createHash('sha256').update('secret-versions/v2\0');
  const lines = new Set(secrets.map((s) => `${s.name}\0${s.uid ?? ''}\0${s.resourceVersion ?? ''}\0`));
  for (const line of [...lines].sort()) h.update(line);
  return h.digest('hex').slice(0, 16);
}
