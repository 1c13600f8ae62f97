import { type Logger, pino } from 'pino';

export type { Logger };

/** Paths whose values never reach a log line: credentials, signatures and phone numbers. */
const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-twilio-signature"]',
  '*.apiKey',
  '*.authToken',
  '*.password',
  '*.token',
  '*.phone',
  '*.from',
  '*.to',
];

/** The root logger; every module gets a child of it passed in, never a global. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
