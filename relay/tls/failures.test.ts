import { tlsFailure } from './failures.js';

const coded = (message: string, code: string, cause?: unknown) =>
  Object.assign(new Error(message, cause === undefined ? undefined : { cause }), { code });

describe('TLS failures', () => {
  it('finds the code anywhere in the chain and says what it means', () => {
    const inner = coded(
      'Connection error: unable to verify the first certificate',
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    );
    expect(tlsFailure(new Error('retries exceeded', { cause: inner }))).toEqual({
      kind: 'untrusted',
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      reason: 'unable to verify the first certificate',
    });
  });

  it("puts a server's alert in words instead of OpenSSL's line", () => {
    const failure = tlsFailure(
      coded('80EC...:error:0A000412:SSL routines:...', 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE'),
    );
    expect(failure).toMatchObject({ kind: 'client-certificate' });
    expect(failure?.reason).toBe('the server sent the TLS alert bad certificate (or none given)');
  });

  it('reads the original code from the message where mysql2 replaced it with HANDSHAKE_SSL_ERROR', () => {
    expect(
      tlsFailure(coded('self-signed certificate in certificate chain', 'HANDSHAKE_SSL_ERROR')),
    ).toMatchObject({
      kind: 'untrusted',
      code: 'SELF_SIGNED_CERT_IN_CHAIN',
    });
    const host = "Hostname/IP does not match certificate's altnames: Host: db. is not in the cert's altnames";
    expect(tlsFailure(coded(host, 'HANDSHAKE_SSL_ERROR'))?.kind).toBe('hostname');
  });

  it('is nothing for an outage or an expired server certificate (the server fixes those)', () => {
    expect(tlsFailure(coded('connect ECONNREFUSED', 'ECONNREFUSED'))).toBeUndefined();
    expect(tlsFailure(coded('certificate has expired', 'CERT_HAS_EXPIRED'))).toBeUndefined();
  });
});
