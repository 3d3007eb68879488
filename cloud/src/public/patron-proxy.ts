import { getConnInfo } from '@hono/node-server/conninfo';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppEnv } from '../http/env.ts';
import { problem } from '../http/problem.ts';
import type { DeclaredRoute } from '../http/route.ts';
import { SERVICE_HEADER } from '../http/service-peer.ts';
import { patronCookieName } from '../http/session.ts';

/** Open to anyone, but they read or write patron accounts: the core answers them, never the public service. */
export const FORWARDED_PUBLIC = new Set([
  'patronLogin',
  'requestPasswordReset',
  'confirmPasswordReset',
  'confirmMyEmailChange',
]);

/**
 * The operations the public service forwards to the core: those declared for a My Library session
 * ('patron'), the login that opens one, the password reset by e-mail and the confirmation of a
 * changed e-mail address (its mailed link). A staff route is never
 * 'patron', so it can never pass.
 */
export const isPatronOperation = (r: DeclaredRoute) =>
  r['x-permission'] === 'patron' || FORWARDED_PUBLIC.has(r.operationId ?? '');

export type PatronProxyOptions = {
  /** the core's base URL, e.g. http://127.0.0.1:8080 */
  coreUrl: string;
  serviceToken: string;
  /** whether the public service itself speaks TLS (its cookie is then __Host- and Secure) */
  secure: boolean;
  /** the allow-list: method and OpenAPI path (under /api) of each patron operation */
  operations: readonly DeclaredRoute[];
  timeoutMs?: number;
  /** how requests reach the core: HTTP by default; `npm start`'s one process hands them to the core's app */
  coreFetch?: (request: Request) => Response | Promise<Response>;
};

/** ids and codes: no dots, slashes or escapes that could make the forwarded path another one */
const PARAM = /^[A-Za-z0-9_-]{1,128}$/;
const REQUEST_HEADERS = ['content-type', 'accept', 'accept-language'] as const;
const RESPONSE_HEADERS = ['content-type', 'retry-after', 'x-request-id'] as const;

const peerAddress = (c: Parameters<typeof getConnInfo>[0]) => {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
};

/** The session cookie the core set, as name, value and lifetime. */
function parseSetCookie(header: string) {
  const [pair = '', ...attrs] = header.split(';');
  const eq = pair.indexOf('=');
  const out: { name: string; value: string; expires?: Date; maxAge?: number } = {
    name: pair.slice(0, eq).trim(),
    value: decodeURIComponent(pair.slice(eq + 1).trim()),
  };
  for (const a of attrs) {
    const i = a.indexOf('=');
    const key = (i < 0 ? a : a.slice(0, i)).trim().toLowerCase();
    const v = i < 0 ? '' : a.slice(i + 1).trim();
    if (key === 'expires' && !Number.isNaN(Date.parse(v))) out.expires = new Date(v);
    if (key === 'max-age' && /^-?\d+$/.test(v)) out.maxAge = Number(v);
  }
  return out;
}

/**
 * Forward the allow-listed patron operations to the core over HTTP: the patron's session token
 * (the public service's own cookie, renamed to the core's) and the service credential go along; the
 * core answers as it would answer the patron. Nothing is kept here — no session, no body, no log
 * line beyond method, path and status. Everything else under /api/my is 404.
 */
export function patronProxy(opts: PatronProxyOptions) {
  const coreCookie = patronCookieName({ secure: new URL(opts.coreUrl).protocol === 'https:' });
  const ownCookie = patronCookieName({ secure: opts.secure });
  const base = opts.coreUrl.replace(/\/+$/, '');
  const send = opts.coreFetch ?? ((request: Request) => fetch(request));
  const proxy = new Hono<AppEnv>();
  proxy.use(
    '/api/my/*',
    bodyLimit({ maxSize: 64 * 1024, onError: (c) => problem(c, 'validation', { detail: 'body too large' }) }),
  );

  const forward = (template: string) => async (c: Context<AppEnv>) => {
    // the path sent on is the operation's own, with each parameter checked to be one plain segment
    let bad = false;
    const path = template.replace(/\{(\w+)\}/g, (_, name: string) => {
      const v = c.req.param(name) ?? '';
      if (!PARAM.test(v)) bad = true;
      return encodeURIComponent(v);
    });
    if (bad) return problem(c, 'notFound');
    const search = new URL(c.req.url).search;
    const headers = new Headers({ [SERVICE_HEADER]: opts.serviceToken, 'x-request-id': c.get('requestId') });
    for (const h of REQUEST_HEADERS) {
      const v = c.req.header(h);
      if (v) headers.set(h, v);
    }
    const token = getCookie(c, ownCookie);
    if (token) headers.set('cookie', `${coreCookie}=${encodeURIComponent(token)}`);
    const address = peerAddress(c);
    if (address) headers.set('x-forwarded-for', address);
    let res: Response;
    try {
      res = await send(
        new Request(`${base}/api${path}${search}`, {
          method: c.req.method,
          headers,
          ...(c.req.method === 'GET' || c.req.method === 'HEAD' ? {} : { body: await c.req.arrayBuffer() }),
          redirect: 'manual',
          signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
        }),
      );
    } catch {
      return problem(c, 'notReady', { detail: 'the library system could not be reached' });
    }
    for (const sc of res.headers.getSetCookie()) {
      const cookie = parseSetCookie(sc);
      if (cookie.name !== coreCookie) continue;
      if (!cookie.value || (cookie.maxAge !== undefined && cookie.maxAge <= 0)) {
        deleteCookie(c, ownCookie, { path: '/', secure: opts.secure });
      } else {
        setCookie(c, ownCookie, cookie.value, {
          path: '/',
          httpOnly: true,
          secure: opts.secure,
          sameSite: 'Lax',
          ...(cookie.expires ? { expires: cookie.expires } : {}),
          ...(cookie.maxAge !== undefined ? { maxAge: cookie.maxAge } : {}),
        });
      }
    }
    for (const h of RESPONSE_HEADERS) {
      const v = res.headers.get(h);
      if (v) c.header(h, v);
    }
    c.header('cache-control', 'no-store');
    return c.body(await res.arrayBuffer(), res.status as ContentfulStatusCode);
  };

  for (const op of opts.operations) {
    proxy.on([op.method.toUpperCase()], [`/api${op.path.replace(/\{(\w+)\}/g, ':$1')}`], forward(op.path));
  }
  proxy.all('/api/my/*', (c) => problem(c, 'notFound'));
  return proxy;
}
