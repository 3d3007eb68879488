import { ERRORS, type ErrorCode, OVERRIDABLE, type Problem } from '@bunko/protocols';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import { AppError } from '../domain/errors.ts';
import { loggableError } from '../domain/loggable-error.ts';
import type { AppEnv } from './env.ts';

export function problemBody(
  code: ErrorCode,
  requestId: string,
  extra: { detail?: string; issues?: Problem['issues']; patron?: boolean } = {},
): Problem {
  const e = ERRORS[code];
  return {
    type: `urn:bunko:error:${code}`,
    title: e.en,
    status: e.status,
    code,
    messageJa: e.ja,
    messageEn: e.en,
    requestId,
    // staff may override; a patron (My Library) cannot, so is not told so
    ...(OVERRIDABLE.has(code) && !extra.patron ? { overridable: true } : {}),
    ...(extra.detail ? { detail: extra.detail } : {}),
    ...(extra.issues ? { issues: extra.issues } : {}),
  };
}

export function problem(c: Context<AppEnv>, code: ErrorCode, extra: Parameters<typeof problemBody>[2] = {}) {
  const body = problemBody(code, c.get('requestId') ?? 'unknown', {
    ...extra,
    patron: extra.patron ?? Boolean(c.get('ctx')?.patron),
  });
  return c.json(body, body.status as ContentfulStatusCode, { 'content-type': 'application/problem+json' });
}

export const zodIssues = (error: ZodError) =>
  error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));

/** One place that turns any thrown error into problem details; unknown errors are logged once, answered 500. */
export function onError(err: Error, c: Context<AppEnv>) {
  if (err instanceof AppError) {
    if (err.headers) for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
    return problem(c, err.code, {
      ...(err.detail ? { detail: err.detail } : {}),
      ...(err.issues ? { issues: err.issues } : {}),
    });
  }
  if (err instanceof HTTPException && err.status === 403) {
    return problem(c, 'forbidden', { detail: 'cross-site request refused (CSRF)' });
  }
  const pgCode = (err as { code?: string }).code ?? (err as { cause?: { code?: string } }).cause?.code;
  if (pgCode === '23505') return problem(c, 'duplicate');
  if (pgCode === '40001' || pgCode === '40P01') return problem(c, 'conflict');
  c.get('log')?.error({ err: loggableError(err) }, 'unhandled error');
  return problem(c, 'internal');
}

export { loggableError } from '../domain/loggable-error.ts';
