import { getConnInfo } from '@hono/node-server/conninfo';
import { z } from '@hono/zod-openapi';
import { deleteCookie, setCookie } from 'hono/cookie';
import { getMe } from '../../domain/auth/get-me.ts';
import { login } from '../../domain/auth/login.ts';
import { logout } from '../../domain/auth/logout.ts';
import { FailureLimiter } from '../../domain/auth/rate-limit.ts';
import { AppError } from '../../domain/errors.ts';
import type { AppDeps } from '../env.ts';
import { json, jsonBody, route, router, standardErrors } from '../route.ts';
import { sessionCookieName } from '../session.ts';

const LoginBody = z.object({
  tenant: z.string().min(1).max(64).openapi({ example: 'ishigaki' }),
  loginId: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
  workstation: z.string().max(64).optional().openapi({ description: 'カウンター端末名 / workstation name' }),
});

export const Me = z
  .object({
    staff: z.object({ id: z.string(), loginId: z.string(), displayName: z.string() }),
    tenant: z.object({ code: z.string(), nameJa: z.string(), nameEn: z.string() }),
    permissions: z.array(z.string()),
    workstation: z.string().nullable(),
  })
  .openapi('Me');

const loginRoute = route('public', {
  method: 'post',
  path: '/auth/login',
  operationId: 'staffLogin',
  tags: ['auth'],
  summary: 'Staff login (職員ログイン)',
  request: { body: jsonBody(LoginBody) },
  responses: { 200: json(Me, 'Logged in; the session cookie is set'), ...standardErrors },
});
const logoutRoute = route('session', {
  method: 'post',
  path: '/auth/logout',
  operationId: 'staffLogout',
  tags: ['auth'],
  responses: { 200: json(z.object({ ok: z.literal(true) }), 'Logged out'), ...standardErrors },
});
const meRoute = route('session', {
  method: 'get',
  path: '/auth/me',
  operationId: 'getMe',
  tags: ['auth'],
  responses: { 200: json(Me, 'The logged-in staff member'), ...standardErrors },
});

const clientAddress = (c: Parameters<typeof getConnInfo>[0]) => {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'in-process';
  }
};

export function authRoutes(deps: AppDeps) {
  const now = deps.now ?? (() => new Date());
  // 5 wrong passwords per account, 30 per client address, per 15 minutes.
  const perAccount = new FailureLimiter(5, 15 * 60_000);
  const perAddress = new FailureLimiter(30, 15 * 60_000);
  const cookie = sessionCookieName(deps.config);

  return router()
    .openapi(loginRoute, async (c) => {
      const input = c.req.valid('json');
      const accountKey = `${input.tenant}\u0000${input.loginId}`;
      const addressKey = clientAddress(c);
      const t = now().getTime();
      const wait = Math.max(perAccount.retryAfter(accountKey, t), perAddress.retryAfter(addressKey, t));
      if (wait > 0) throw new AppError('rateLimited', undefined, undefined, { 'retry-after': String(wait) });
      try {
        const result = await login(
          {
            db: deps.database.db,
            now,
            sessionHours: deps.config.BUNKO_SESSION_HOURS,
            requestId: c.get('requestId'),
          },
          input,
        );
        perAccount.reset(accountKey);
        setCookie(c, cookie, result.token, {
          path: '/',
          httpOnly: true,
          secure: deps.config.secure,
          sameSite: 'Strict',
          expires: result.expiresAt,
        });
        return c.json(result.body, 200);
      } catch (err) {
        if (err instanceof AppError && err.code === 'invalidCredentials') {
          perAccount.fail(accountKey, t);
          perAddress.fail(addressKey, t);
        }
        throw err;
      }
    })
    .openapi(logoutRoute, async (c) => {
      const ctx = c.get('ctx');
      await logout(ctx);
      if (ctx.staff) deps.scans?.sessionEnded(ctx.staff.sessionId);
      deleteCookie(c, cookie, { path: '/', secure: deps.config.secure });
      return c.json({ ok: true as const }, 200);
    })
    .openapi(meRoute, async (c) => {
      return c.json(await getMe(c.get('ctx')), 200);
    });
}
