import { Problem } from '@bunko/protocols';
import { getConnInfo } from '@hono/node-server/conninfo';
import { z } from '@hono/zod-openapi';
import { deleteCookie, setCookie } from 'hono/cookie';
import { FailureLimiter } from '../../domain/auth/rate-limit.ts';
import { AppError } from '../../domain/errors.ts';
import {
  cancelMyHold,
  myHolds,
  myLoans,
  myProfile,
  placeMyHold,
  renewMyLoan,
} from '../../domain/my-library/my-library.ts';
import { changeMyPassword, patronLogout } from '../../domain/patron-auth/account.ts';
import { patronLogin } from '../../domain/patron-auth/login.ts';
import type { AppDeps } from '../env.ts';
import { IdParam, json, jsonBody, route, router, standardErrors } from '../route.ts';
import { patronCookieName } from '../session.ts';

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');
const problemContent = { 'application/problem+json': { schema: Problem } };
const tooMany = {
  423: { description: 'Account locked after wrong passwords (retry-after)', content: problemContent },
  429: { description: 'Too many failed logins from this address (retry-after)', content: problemContent },
};

const PatronLoginBody = z
  .object({
    tenant: z
      .string()
      .min(1)
      .max(64)
      .openapi({ example: 'ishigaki', description: '図書館コード / library code' }),
    cardNumber: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .openapi({ description: '利用者カード番号 / library card number' }),
    password: z.string().min(1).max(256),
  })
  .openapi('PatronLoginRequest');
const PatronLoginResult = z
  .object({
    tenant: z.object({ code: z.string(), nameJa: z.string(), nameEn: z.string() }),
    category: z.string(),
    mustChangePassword: z.boolean().openapi({
      description: 'a temporary password: only changeMyPassword (and myProfile, logout) until changed',
    }),
    expiresAt: z
      .string()
      .openapi({ description: 'latest end of the session (30 minutes idle end it sooner)' }),
  })
  .openapi('PatronLoginResult');
const MyProfile = z
  .object({
    name: z.string(),
    category: z.object({ code: z.string(), nameJa: z.string(), nameEn: z.string() }),
    expiresOn: z.string(),
    cardLast4: z.string(),
    mustChangePassword: z.boolean(),
  })
  .openapi('MyProfile');
const MyLoan = z
  .object({
    loanId: z.string(),
    title: z.string(),
    loanedAt: z.string(),
    dueOn: z.string(),
    dueOnEra: z.string().openapi({ example: '令和8年12月9日(水)' }),
    dueOnWestern: z.string().openapi({ example: '2026年12月9日(水)' }),
    renewals: z.number(),
    overdue: z.boolean(),
  })
  .openapi('MyLoan');
const MyHold = z
  .object({
    holdId: z.string(),
    bibId: z.string(),
    title: z.string(),
    status: z.string(),
    pickupLocationId: z.string(),
    pickupLocationJa: z.string(),
    pickupLocationEn: z.string(),
    contactMethod: z.string(),
    placedAt: z.string(),
    pickupBy: z.string().nullable(),
    notNeededAfter: z.string().nullable(),
    suspendedUntil: z.string().nullable(),
    queuePosition: z.number().openapi({ description: 'n人待ち: 1 = next; 0 once a copy is set aside' }),
  })
  .openapi('MyHold');
const Ok = z.object({ ok: z.literal(true) });

const loginRoute = route('public', {
  method: 'post',
  path: '/my/login',
  operationId: 'patronLogin',
  tags: ['my-library'],
  summary: '利用者ログイン(マイページ) / patron login with card number and password',
  request: { body: jsonBody(PatronLoginBody) },
  responses: {
    200: json(PatronLoginResult, 'Logged in; the My Library cookie is set'),
    ...standardErrors,
    ...tooMany,
  },
});
const logoutRoute = route('patron', {
  method: 'post',
  path: '/my/logout',
  operationId: 'patronLogout',
  tags: ['my-library'],
  responses: { 200: json(Ok, 'Logged out'), ...standardErrors },
});
const profileRoute = route('patron', {
  method: 'get',
  path: '/my/profile',
  operationId: 'myProfile',
  tags: ['my-library'],
  summary: '利用者情報(最小限) / name, category, expiry, last 4 digits of the card',
  responses: { 200: json(MyProfile, 'Me'), ...standardErrors },
});
const loansRoute = route('patron', {
  method: 'get',
  path: '/my/loans',
  operationId: 'myLoans',
  tags: ['my-library'],
  summary: '借りている資料 / my current loans',
  responses: { 200: json(z.object({ loans: z.array(MyLoan) }), 'Oldest due first'), ...standardErrors },
});
const holdsRoute = route('patron', {
  method: 'get',
  path: '/my/holds',
  operationId: 'myHolds',
  tags: ['my-library'],
  summary: '予約状況(n人待ち) / my holds with queue position',
  responses: { 200: json(z.object({ holds: z.array(MyHold) }), 'Oldest first'), ...standardErrors },
});
const renewRoute = route('patron', {
  method: 'post',
  path: '/my/loans/{id}/renew',
  operationId: 'renewMyLoan',
  tags: ['my-library'],
  summary: '貸出延長 / renew my loan; refusals carry their reason as the problem code',
  request: { params: IdParam },
  responses: {
    200: json(
      z.object({
        loanId: z.string(),
        title: z.string(),
        dueOn: z.string(),
        dueOnEra: z.string(),
        dueOnWestern: z.string(),
        renewals: z.number(),
      }),
      'Renewed',
    ),
    ...standardErrors,
  },
});
const placeHoldRoute = route('patron', {
  method: 'post',
  path: '/my/holds',
  operationId: 'placeMyHold',
  tags: ['my-library'],
  summary: '予約する / place a hold with pickup location and contact method',
  request: {
    body: jsonBody(
      z.object({
        bibId: z.uuid(),
        pickupLocationId: z.uuid(),
        contactMethod: z.enum(['email', 'phone', 'none']),
        volume: z.string().trim().min(1).max(50).optional(),
        notNeededAfter: Day.optional(),
      }),
    ),
  },
  responses: {
    200: json(
      z.object({ holdId: z.string(), status: z.string(), queuePosition: z.number() }),
      'Placed, with the place in the queue',
    ),
    ...standardErrors,
  },
});
const cancelHoldRoute = route('patron', {
  method: 'post',
  path: '/my/holds/{id}/cancel',
  operationId: 'cancelMyHold',
  tags: ['my-library'],
  summary: '予約の取消 / cancel my hold',
  request: { params: IdParam },
  responses: {
    200: json(z.object({ holdId: z.string(), status: z.string() }), 'Cancelled'),
    ...standardErrors,
  },
});
const passwordRoute = route('patron', {
  method: 'post',
  path: '/my/password',
  operationId: 'changeMyPassword',
  tags: ['my-library'],
  summary: 'パスワード変更 / change my password (also replaces a temporary one)',
  request: {
    body: jsonBody(
      z.object({
        currentPassword: z.string().min(1).max(256),
        newPassword: z
          .string()
          .max(256)
          .openapi({ description: '8+ characters, not the card number or birth date' }),
      }),
    ),
  },
  responses: { 200: json(Ok, 'Changed'), ...standardErrors },
});

export const clientAddress = (c: Parameters<typeof getConnInfo>[0]) => {
  // forwarded by the public OPAC service (verified in http/service-peer.ts)
  const forwarded: string | undefined = c.get('clientAddress');
  if (forwarded) return forwarded;
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'in-process';
  }
};

/** Per client address: this many failed patron logins per 15 minutes, then 429 until the window moves. */
export const PATRON_LOGIN_FAILURES_PER_ADDRESS = 20;

export function myLibraryRoutes(deps: AppDeps) {
  const now = deps.now ?? (() => new Date());
  // Accounts lock themselves (stored on the patron); this guards against one address trying many cards.
  const perAddress = new FailureLimiter(PATRON_LOGIN_FAILURES_PER_ADDRESS, 15 * 60_000);
  const cookie = patronCookieName(deps.config);

  return router()
    .openapi(loginRoute, async (c) => {
      const input = c.req.valid('json');
      const addressKey = clientAddress(c);
      const t = now().getTime();
      const wait = perAddress.retryAfter(addressKey, t);
      if (wait > 0) throw new AppError('rateLimited', undefined, undefined, { 'retry-after': String(wait) });
      try {
        const result = await patronLogin({ db: deps.database.db, now, requestId: c.get('requestId') }, input);
        setCookie(c, cookie, result.token, {
          path: '/',
          httpOnly: true,
          secure: deps.config.secure,
          sameSite: 'Lax',
          expires: result.expiresAt,
        });
        return c.json(result.body, 200);
      } catch (err) {
        if (err instanceof AppError && (err.code === 'invalidCredentials' || err.code === 'accountLocked')) {
          perAddress.fail(addressKey, t);
        }
        throw err;
      }
    })
    .openapi(logoutRoute, async (c) => {
      await patronLogout(c.get('ctx'));
      deleteCookie(c, cookie, { path: '/', secure: deps.config.secure });
      return c.json({ ok: true as const }, 200);
    })
    .openapi(profileRoute, async (c) => c.json(await myProfile(c.get('ctx')), 200))
    .openapi(loansRoute, async (c) => c.json({ loans: await myLoans(c.get('ctx')) }, 200))
    .openapi(holdsRoute, async (c) => c.json({ holds: await myHolds(c.get('ctx')) }, 200))
    .openapi(renewRoute, async (c) => c.json(await renewMyLoan(c.get('ctx'), c.req.valid('param').id), 200))
    .openapi(placeHoldRoute, async (c) => c.json(await placeMyHold(c.get('ctx'), c.req.valid('json')), 200))
    .openapi(cancelHoldRoute, async (c) =>
      c.json(await cancelMyHold(c.get('ctx'), c.req.valid('param').id), 200),
    )
    .openapi(passwordRoute, async (c) =>
      c.json(await changeMyPassword(c.get('ctx'), c.req.valid('json')), 200),
    );
}
