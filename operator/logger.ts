// Structured logs (pino): one root logger, a child per component, errors under `err`. Secret values never
// reach the operator's logs (it logs names, reasons and API errors only); the redaction is a second line.
import pino, { type Logger } from 'pino';

export type { Logger };

export const REDACTED_PATHS = [
  'data',
  '*.data',
  'stringData',
  '*.stringData',
  'password',
  '*.password',
  'token',
  '*.token',
  'headers.authorization',
  '*.headers.authorization',
];

export function createLogger(
  options: { level?: string; name?: string } = {},
  destination?: pino.DestinationStream,
): Logger {
  return pino(
    {
      name: options.name ?? 'outbox-relay-operator',
      level: options.level ?? 'info',
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
