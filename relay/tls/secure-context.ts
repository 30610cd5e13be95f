// One TLS secure context per set of TLS files, built when first needed and shared by every connection that
// uses them: building one parses the certificates, which costs milliseconds per connection otherwise. A
// context also keeps the private key out of the option objects handed to the drivers (kafkajs copies its
// options with Object.assign, which would drop a non-enumerable key).
import tls from 'node:tls';
import type { TlsFiles } from './types.js';

const contexts = new WeakMap<TlsFiles, tls.SecureContext>();

/** The context of these files; undefined when there are none (Node's defaults: the system's CAs). */
export function secureContextOf(files: TlsFiles): tls.SecureContext | undefined {
  if (!files.ca && !files.cert) return undefined;
  let context = contexts.get(files);
  if (!context) {
    context = tls.createSecureContext({
      // With a CA file, only its CAs are trusted (as libpq's sslrootcert and Java's trust stores do).
      ...(files.ca ? { ca: files.ca.pem } : {}),
      ...(files.cert && files.key ? { cert: files.cert.pem, key: files.key.pem } : {}),
    });
    contexts.set(files, context);
  }
  return context;
}
