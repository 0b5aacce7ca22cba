import pino, { type Logger, type DestinationStream } from 'pino';

export type { Logger };

/**
 * Paths whose values never reach a log line, wherever they appear in a context object.
 * Request and response bodies are never logged at all; this list is the second fence.
 */
const REDACT = [
  'password', '*.password', 'newPassword', '*.newPassword',
  'token', '*.token', 'apiKey', '*.apiKey', 'secret', '*.secret',
  'privateKey', '*.privateKey', 'authorization', '*.authorization',
  'headers.authorization', 'headers["x-api-key"]', 'headers.cookie',
  'req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie',
  'SAMLResponse', '*.SAMLResponse', 'assertion', '*.assertion',
];

/** One structured logger for the service; `category` names the part that logs. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: REDACT, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
