// Structured logs (pino): one root logger per process, a child per component, errors under `err`, and the
// fields that could hold secrets redacted wherever they appear.
import pino, { type Logger } from 'pino';

export type { Logger };

export const REDACTED_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  'sasl.password',
  '*.sasl.password',
  'DB_PASS',
  '*.DB_PASS',
  'KAFKA_SASL_PASSWORD',
  '*.KAFKA_SASL_PASSWORD',
];

export function createLogger(
  options: { level?: string; name?: string } = {},
  destination?: pino.DestinationStream,
): Logger {
  return pino(
    {
      name: options.name ?? 'outbox-relay',
      level: options.level ?? 'info',
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
