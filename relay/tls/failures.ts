// What a failed TLS handshake means, from the code Node gives its error: the server's certificate is not
// signed by a CA we trust, it does not name the host we dialled, or the server refused our client
// certificate (or our lack of one). Each is a mistake in the configuration that no retry fixes, so the
// relay reports it naming the setting (kafka/config-errors.ts, db/config-errors.ts). Codes seen on the
// local servers: a CA that did not sign the broker's certificate gives UNABLE_TO_VERIFY_LEAF_SIGNATURE
// (PostgreSQL, which sends its chain: SELF_SIGNED_CERT_IN_CHAIN); a name outside the certificate
// ERR_TLS_CERT_ALTNAME_INVALID; Kafka's ssl.client.auth=required answers a missing client certificate with
// alert 42 (bad certificate) and one from another CA with alert 46 (certificate unknown); PostgreSQL and
// MariaDB answer the latter with alert 48 (unknown CA). An expired server certificate is left out: it is
// the server's to fix, and retrying picks up the fix without a restart.
import { errorChain } from '../error-chain.js';

export type TlsFailureKind = 'untrusted' | 'hostname' | 'client-certificate';

export const TLS_FAILURES: Readonly<Record<string, TlsFailureKind>> = Object.freeze({
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'untrusted',
  UNABLE_TO_GET_ISSUER_CERT: 'untrusted',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'untrusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'untrusted',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'untrusted',
  CERT_SIGNATURE_FAILURE: 'untrusted',
  CERT_UNTRUSTED: 'untrusted',
  CERT_REJECTED: 'untrusted',
  INVALID_CA: 'untrusted',
  ERR_TLS_CERT_ALTNAME_INVALID: 'hostname',
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: 'client-certificate',
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN: 'client-certificate',
  ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE: 'client-certificate',
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED: 'client-certificate',
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED: 'client-certificate',
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: 'client-certificate',
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: 'client-certificate',
});

/** What the server's alert said, in words (OpenSSL's own message is a line of internals). */
const ALERTS: Readonly<Record<string, string>> = {
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: 'bad certificate (or none given)',
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN: 'certificate unknown (not signed by a CA it trusts)',
  ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE: 'unsupported certificate',
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED: 'certificate revoked',
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED: 'certificate expired',
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: 'unknown CA (not signed by a CA it trusts)',
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: 'certificate required',
};

export interface TlsFailure {
  kind: TlsFailureKind;
  code: string;
  /** A short reason, without the driver's prefixes. */
  reason: string;
}

/**
 * mysql2 replaces the code of an error raised during its TLS handshake with HANDSHAKE_SSL_ERROR; Node's
 * message (OpenSSL's words for the verification error) tells the original code again.
 */
const HANDSHAKE_MESSAGES: ReadonlyArray<readonly [RegExp, string]> = [
  [/self[- ]signed certificate in certificate chain/i, 'SELF_SIGNED_CERT_IN_CHAIN'],
  [/unable to verify the first certificate/i, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
  [/unable to get local issuer certificate/i, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'],
  [/unable to get issuer certificate/i, 'UNABLE_TO_GET_ISSUER_CERT'],
  [/^self[- ]signed certificate$/i, 'DEPTH_ZERO_SELF_SIGNED_CERT'],
  [/certificate signature failure/i, 'CERT_SIGNATURE_FAILURE'],
  [/does not match certificate's altnames/i, 'ERR_TLS_CERT_ALTNAME_INVALID'],
];

function codeOf(e: unknown, message: string): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  if (code === 'HANDSHAKE_SSL_ERROR')
    return HANDSHAKE_MESSAGES.find(([pattern]) => pattern.test(message))?.[1];
  return typeof code === 'string' ? code : undefined;
}

/** The TLS failure somewhere in an error's chain, if there is one. */
export function tlsFailure(error: unknown): TlsFailure | undefined {
  for (const e of errorChain(error)) {
    const message = String((e as { message?: unknown } | null)?.message ?? '').replace(
      /^Connection error: /,
      '',
    );
    const code = codeOf(e, message);
    if (code === undefined) continue;
    const kind = TLS_FAILURES[code];
    if (!kind) continue;
    const alert = ALERTS[code];
    return { kind, code, reason: alert ? `the server sent the TLS alert ${alert}` : message };
  }
  return undefined;
}
