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

/** Validation issues gathered over a whole input, so a form can show them all at once. */
export class IssueList {
  readonly issues: { path: string; message: string }[] = [];
  add(path: string, message: string, when = true) {
    if (when) this.issues.push({ path, message });
    return this;
  }
  throwIfAny() {
    if (this.issues.length) throw new AppError('validation', undefined, this.issues);
  }
}
