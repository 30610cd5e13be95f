// The one error type of the API client, and how a response becomes a value or an error. An error says
// whether a retry can help (the work queue and the informers read `retriable`). The body of a success
// never goes into an error, as it could be an object's data (a Secret's, for one); that of a failure does
// (a Status object's message, or a proxy's text).
import type { IncomingMessage } from 'node:http';

/** Conflicts, throttling, server errors and no answer at all pass; invalid requests and denials do not. */
export function isRetriableStatus(statusCode: number): boolean {
  return statusCode === 409 || statusCode === 429 || statusCode >= 500 || statusCode === 0;
}

export class KubeApiError extends Error {
  readonly retriable: boolean;
  constructor(
    readonly method: string,
    readonly path: string,
    readonly statusCode: number,
    readonly reason: string,
    message: string,
    /** Overrides what the status code says, for a failure the status does not describe. */
    options: { retriable?: boolean } = {},
  ) {
    super(`${method} ${path}: ${statusCode} ${reason}: ${message}`);
    this.name = 'KubeApiError';
    this.retriable = options.retriable ?? isRetriableStatus(statusCode);
  }
}

/** The error for a response that is not a success: its Status object's reason and message, if it is one. */
export function responseError(
  method: string,
  path: string,
  status: number,
  statusMessage: string | undefined,
  text: string,
): KubeApiError {
  let reason = statusMessage ?? 'Error';
  let message = text.slice(0, 2000);
  try {
    const s = JSON.parse(text) as { reason?: string; message?: string };
    reason = s.reason ?? reason;
    message = s.message ?? message;
  } catch {
    // not a Status object; keep the raw text
  }
  return new KubeApiError(method, path, status, reason, message);
}

/**
 * The value of a success's body; an empty body is an empty object. A body that is not JSON (cut short, or
 * an HTML page from a proxy in between) is a retriable error naming only its length and type: the body
 * itself could be a Secret, and JSON.parse's own message quotes it.
 */
export function parseSuccessBody<T>(
  method: string,
  path: string,
  res: Pick<IncomingMessage, 'statusCode' | 'headers'>,
  text: string,
): T {
  if (!text) return {} as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    const type = res.headers['content-type'] ?? 'no content type';
    throw new KubeApiError(
      method,
      path,
      res.statusCode ?? 0,
      'InvalidResponse',
      `the body is not JSON (${Buffer.byteLength(text)} bytes of ${type})`,
      { retriable: true },
    );
  }
}
