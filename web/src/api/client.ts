import { type ClientResponse, hc, type InferResponseType } from 'hono/client';
// Type-only: nothing of the core reaches the bundle, only the shape of its routes.
import type { AppType } from '../../../cloud/src/app.ts';

/** The typed API client. Same origin: the core serves this UI, and the session cookie is SameSite=Strict. */
export const api = hc<AppType>('/api', { init: { credentials: 'same-origin' } });

/** What the core sends on failure (problem details); a network failure is made into the same shape. */
export type ProblemInfo = {
  status: number;
  code: string;
  messageJa: string | null;
  messageEn: string | null;
  requestId: string | null;
  /** a circulation refusal that staff holding circulation.override may proceed past */
  overridable?: boolean;
  /** which input fields were wrong, and why (validation problems) */
  issues?: { path: string; message: string }[];
};

export class ApiError extends Error {
  constructor(readonly problem: ProblemInfo) {
    super(problem.messageEn ?? problem.code);
    this.name = 'ApiError';
  }
}

let onUnauthenticated: () => void = () => {};
/** Called when any request answers 401 for a lapsed session (the shell then shows the login page). */
export const setUnauthenticatedHandler = (fn: () => void) => {
  onUnauthenticated = fn;
};

// biome-ignore lint/suspicious/noExplicitAny: matches any typed client response
type AnyResponse = ClientResponse<any, number, any>;
type OkBody<R> =
  R extends ClientResponse<infer T, infer S, 'json'> ? (S extends 200 | 202 ? T : never) : never;

async function readProblem(res: Response): Promise<ProblemInfo> {
  let body: Record<string, unknown> = {};
  try {
    body = (await res.json()) as Record<string, unknown>;
  } catch {
    // not JSON (a proxy error page, say): keep the status only
  }
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    status: res.status,
    code: str(body.code) ?? `http${res.status}`,
    messageJa: str(body.messageJa),
    messageEn: str(body.messageEn) ?? str(body.title),
    requestId: str(body.requestId) ?? res.headers.get('x-request-id'),
    overridable: body.overridable === true,
    ...(Array.isArray(body.issues) ? { issues: body.issues as { path: string; message: string }[] } : {}),
  };
}

/**
 * Await a typed client call and return its 200 (or 202 Accepted) body, or throw ApiError carrying the problem details.
 * Keeps every page's error handling the same: catch ApiError, show `problem` in the current language.
 */
export async function call<R extends AnyResponse>(request: Promise<R>): Promise<OkBody<R>> {
  let res: R;
  try {
    res = await request;
  } catch {
    throw new ApiError({ status: 0, code: 'network', messageJa: null, messageEn: null, requestId: null });
  }
  if (res.ok) return (await res.json()) as OkBody<R>;
  const problem = await readProblem(res);
  if (problem.code === 'unauthenticated') onUnauthenticated();
  throw new ApiError(problem);
}

export const asProblem = (err: unknown): ProblemInfo =>
  err instanceof ApiError
    ? err.problem
    : { status: 0, code: 'unknown', messageJa: null, messageEn: String(err), requestId: null };

export type Me = InferResponseType<typeof api.auth.me.$get, 200>;
export type PublicConfig = InferResponseType<(typeof api.public.config)['$get'], 200>;
