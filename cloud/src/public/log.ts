import pino, { type DestinationStream } from 'pino';

/**
 * The public service's logger: request lines carry method, path, status and the request id only
 * (http/request-log.ts); should headers ever be logged, session cookies and credentials are masked.
 */
export const publicLogger = (level: string, destination?: DestinationStream) =>
  pino(
    {
      level,
      base: { service: 'bunko-public' },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'req.headers["x-bunko-service"]',
          'res.headers["set-cookie"]',
          'headers.authorization',
          'headers.cookie',
          'headers["set-cookie"]',
          'headers["x-bunko-service"]',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
