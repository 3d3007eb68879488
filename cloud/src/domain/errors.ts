import type { ErrorCode } from '@bunko/protocols';

/** A domain failure with one of the shared codes; the HTTP layer maps it to problem details. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail?: string,
    readonly issues?: { path: string; message: string }[],
    readonly headers?: Record<string, string>,
  ) {
    super(detail ?? code);
  }
}
