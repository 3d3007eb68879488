import { z } from '@hono/zod-openapi';
import { FailureLimiter } from '../../domain/auth/rate-limit.ts';
import { AppError } from '../../domain/errors.ts';
import { confirmEmailChange } from '../../domain/my-library/email-change.ts';
import {
  cancelMyEmailChange,
  changeMyHold,
  myContact,
  myLibraryCard,
  resumeMyHold,
  suspendMyHold,
  updateMyContact,
} from '../../domain/my-library/my-account.ts';
import {
  addToMyBookshelf,
  createMyBookshelf,
  deleteMyBookshelf,
  myBookshelves,
  removeFromMyBookshelf,
  renameMyBookshelf,
} from '../../domain/my-library/my-bookshelf.ts';
import {
  deleteMyReadingHistory,
  deleteMyReadingHistoryEntry,
  myReadingHistory,
  setMyReadingHistory,
} from '../../domain/my-library/my-reading-history.ts';
import {
  createMyNewArrivalAlert,
  deleteMyNewArrivalAlert,
  myNewArrivalAlerts,
} from '../../domain/my-library/new-arrival-alerts.ts';
import { confirmPasswordReset, requestPasswordReset } from '../../domain/patron-auth/password-reset.ts';
import type { AppDeps } from '../env.ts';
import { IdParam, json, jsonBody, route, router, standardErrors } from '../route.ts';
import { clientAddress } from './my-library.ts';
import { PhoneNumber } from './patrons.ts';

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');
const Ok = z.object({ ok: z.literal(true) });
const tag = ['my-library'];

// ── password reset (public) ───────────────────────────────────────────────────────────────
const resetRequestRoute = route('public', {
  method: 'post',
  path: '/my/password-reset',
  operationId: 'requestPasswordReset',
  tags: tag,
  summary:
    'パスワード再設定の申込み / request a reset link by e-mail (same answer whether or not it matched)',
  request: {
    body: jsonBody(
      z.object({
        tenant: z.string().min(1).max(64),
        cardNumber: z.string().trim().min(1).max(64),
        email: z.email().max(254),
      }),
    ),
  },
  responses: {
    200: json(Ok, 'Accepted: a mail is sent when card and address match'),
    429: { description: 'Too many requests from this address (retry-after)' },
    ...standardErrors,
  },
});
const resetConfirmRoute = route('public', {
  method: 'post',
  path: '/my/password-reset/confirm',
  operationId: 'confirmPasswordReset',
  tags: tag,
  summary: 'パスワード再設定 / set a new password with the mailed token (once, before it expires)',
  request: {
    body: jsonBody(
      z.object({
        token: z.string().min(16).max(128),
        newPassword: z
          .string()
          .max(256)
          .openapi({ description: '8+ characters, not the card number or birth date' }),
      }),
    ),
  },
  responses: { 200: json(Ok, 'Changed; log in with the new password'), ...standardErrors },
});

// ── contact, card, hold suspension ────────────────────────────────────────────────────────
const Contact = z
  .object({
    email: z.string().nullable(),
    phone: z.string().nullable(),
    emailNotices: z.boolean(),
    readingHistoryOptIn: z.boolean(),
    pendingEmail: z.object({ email: z.string(), expiresAt: z.string() }).nullable().openapi({
      description: '確認待ち: a new address waiting for the link mailed to it (not yet used for notices)',
    }),
  })
  .openapi('MyContact');
const contactRoute = route('patron', {
  method: 'get',
  path: '/my/contact',
  operationId: 'myContact',
  tags: tag,
  summary: '連絡先と通知設定 / my e-mail, phone and notice preferences',
  responses: { 200: json(Contact, 'Mine'), ...standardErrors },
});
const updateContactRoute = route('patron', {
  method: 'patch',
  path: '/my/contact',
  operationId: 'updateMyContact',
  tags: tag,
  summary:
    '連絡先・メール通知の変更 / change phone and e-mail notices; a new e-mail address waits for the link mailed to it',
  request: {
    body: jsonBody(
      z.object({
        email: z.email().max(254).nullable().optional(),
        phone: PhoneNumber.nullable().optional(),
        emailNotices: z.boolean().optional(),
      }),
    ),
  },
  responses: { 200: json(Contact, 'Changed'), ...standardErrors },
});
const cancelEmailChangeRoute = route('patron', {
  method: 'delete',
  path: '/my/contact/email-change',
  operationId: 'cancelMyEmailChange',
  tags: tag,
  summary: 'メールアドレス変更の取り消し / drop the address waiting for its confirmation',
  responses: { 200: json(Contact, 'Cancelled (or nothing was waiting)'), ...standardErrors },
});
const confirmEmailChangeRoute = route('public', {
  method: 'post',
  path: '/my/contact/email-confirm',
  operationId: 'confirmMyEmailChange',
  tags: tag,
  summary:
    'メールアドレスの確認 / the new address takes effect with the mailed token (once, before it expires; no session needed)',
  request: { body: jsonBody(z.object({ token: z.string().min(16).max(128) })) },
  responses: {
    200: json(Ok, 'Confirmed: notices go to the new address'),
    ...standardErrors,
  },
});
const cardRoute = route('patron', {
  method: 'get',
  path: '/my/card',
  operationId: 'myLibraryCard',
  tags: tag,
  summary: 'デジタル利用者カード / my card number and its NW-7 symbol for a scannable barcode',
  responses: {
    200: json(
      z
        .object({
          barcode: z.string(),
          symbol: z.string().openapi({ description: 'start + number + check + stop, e.g. A2000000A' }),
          symbology: z.literal('nw7'),
          name: z.string(),
          category: z.object({ nameJa: z.string(), nameEn: z.string() }),
          expiresOn: z.string(),
          library: z.object({ nameJa: z.string(), nameEn: z.string() }),
        })
        .openapi('MyLibraryCard'),
      'My card',
    ),
    ...standardErrors,
  },
});
const HoldSuspension = z.object({
  holdId: z.string(),
  status: z.string(),
  suspendedUntil: z.string().nullable(),
});
const suspendHoldRoute = route('patron', {
  method: 'post',
  path: '/my/holds/{id}/suspend',
  operationId: 'suspendMyHold',
  tags: tag,
  summary: '予約の一時停止 / keep my place but do not serve the hold before a day',
  request: { params: IdParam, body: jsonBody(z.object({ until: Day })) },
  responses: { 200: json(HoldSuspension, 'Suspended'), ...standardErrors },
});
const resumeHoldRoute = route('patron', {
  method: 'post',
  path: '/my/holds/{id}/resume',
  operationId: 'resumeMyHold',
  tags: tag,
  summary: '予約の一時停止を解除 / serve my hold again',
  request: { params: IdParam },
  responses: { 200: json(HoldSuspension, 'Resumed'), ...standardErrors },
});

const changeHoldRoute = route('patron', {
  method: 'patch',
  path: '/my/holds/{id}',
  operationId: 'changeMyHold',
  tags: tag,
  summary: '予約の変更 / change where I collect a waiting hold, or how I am told it is ready',
  request: {
    params: IdParam,
    body: jsonBody(
      z.object({
        pickupLocationId: z.uuid().optional(),
        contactMethod: z.enum(['email', 'phone', 'none']).optional(),
      }),
    ),
  },
  responses: {
    200: json(z.object({ holdId: z.string(), status: z.string() }), 'Changed'),
    ...standardErrors,
  },
});

// ── reading history ───────────────────────────────────────────────────────────────────────
const historyRoute = route('patron', {
  method: 'get',
  path: '/my/reading-history',
  operationId: 'myReadingHistory',
  tags: tag,
  summary: '読書記録 / my returned loans, kept only when I opted in',
  request: {
    query: z.object({
      limit: z.coerce.number().int().min(1).max(200).default(50),
      offset: z.coerce.number().int().min(0).default(0),
    }),
  },
  responses: {
    200: json(
      z.object({
        optedIn: z.boolean(),
        entries: z.array(
          z.object({
            loanId: z.string(),
            bibId: z.string(),
            title: z.string(),
            loanedAt: z.string(),
            returnedAt: z.string(),
          }),
        ),
      }),
      'Newest first',
    ),
    ...standardErrors,
  },
});
const historyOptRoute = route('patron', {
  method: 'put',
  path: '/my/reading-history/opt-in',
  operationId: 'setMyReadingHistory',
  tags: tag,
  summary: '読書記録を残す/残さない / opt in or out (opting out erases the history)',
  request: { body: jsonBody(z.object({ optIn: z.boolean() })) },
  responses: { 200: json(z.object({ optedIn: z.boolean(), erased: z.number() }), 'Set'), ...standardErrors },
});
const historyDeleteRoute = route('patron', {
  method: 'delete',
  path: '/my/reading-history',
  operationId: 'deleteMyReadingHistory',
  tags: tag,
  summary: '読書記録をすべて削除 / erase my whole reading history',
  responses: { 200: json(z.object({ erased: z.number() }), 'Erased'), ...standardErrors },
});
const historyDeleteOneRoute = route('patron', {
  method: 'delete',
  path: '/my/reading-history/{id}',
  operationId: 'deleteMyReadingHistoryEntry',
  tags: tag,
  summary: '読書記録を1件削除 / erase one entry (by its loan id)',
  request: { params: IdParam },
  responses: { 200: json(z.object({ erased: z.number() }), 'Erased'), ...standardErrors },
});

// ── bookshelf (お気に入り) ─────────────────────────────────────────────────────────────────
const ListName = z.object({ name: z.string().trim().min(1).max(50) });
const bookshelvesRoute = route('patron', {
  method: 'get',
  path: '/my/bookshelves',
  operationId: 'myBookshelves',
  tags: tag,
  summary: 'マイ本棚 / my lists of titles',
  responses: {
    200: json(
      z.object({
        lists: z.array(
          z.object({
            id: z.string(),
            name: z.string(),
            createdAt: z.string(),
            entries: z.array(z.object({ bibId: z.string(), title: z.string(), addedAt: z.string() })),
          }),
        ),
      }),
      'Mine',
    ),
    ...standardErrors,
  },
});
const List = z.object({ id: z.string(), name: z.string() });
const createListRoute = route('patron', {
  method: 'post',
  path: '/my/bookshelves',
  operationId: 'createMyBookshelf',
  tags: tag,
  request: { body: jsonBody(ListName) },
  responses: { 200: json(List, 'Created'), ...standardErrors },
});
const renameListRoute = route('patron', {
  method: 'patch',
  path: '/my/bookshelves/{id}',
  operationId: 'renameMyBookshelf',
  tags: tag,
  request: { params: IdParam, body: jsonBody(ListName) },
  responses: { 200: json(List, 'Renamed'), ...standardErrors },
});
const deletedAnswer = {
  200: json(z.object({ id: z.string(), deleted: z.literal(true) }), 'Deleted'),
  ...standardErrors,
};
const deleteListRoute = route('patron', {
  method: 'delete',
  path: '/my/bookshelves/{id}',
  operationId: 'deleteMyBookshelf',
  tags: tag,
  request: { params: IdParam },
  responses: deletedAnswer,
});
const EntryParams = z.object({ id: z.uuid(), bibId: z.uuid() });
const addEntryRoute = route('patron', {
  method: 'put',
  path: '/my/bookshelves/{id}/bibs/{bibId}',
  operationId: 'addToMyBookshelf',
  tags: tag,
  request: { params: EntryParams },
  responses: {
    200: json(z.object({ listId: z.string(), bibId: z.string() }), 'On the list'),
    ...standardErrors,
  },
});
const removeEntryRoute = route('patron', {
  method: 'delete',
  path: '/my/bookshelves/{id}/bibs/{bibId}',
  operationId: 'removeFromMyBookshelf',
  tags: tag,
  request: { params: EntryParams },
  responses: {
    200: json(z.object({ listId: z.string(), bibId: z.string(), removed: z.literal(true) }), 'Removed'),
    ...standardErrors,
  },
});

// ── new-arrival alerts ────────────────────────────────────────────────────────────────────
const Alert = z.object({ id: z.string(), kind: z.string(), query: z.string() });
const alertsRoute = route('patron', {
  method: 'get',
  path: '/my/alerts',
  operationId: 'myNewArrivalAlerts',
  tags: tag,
  summary: '新着お知らせの条件 / my new-arrival alerts',
  responses: {
    200: json(z.object({ alerts: z.array(Alert.extend({ createdAt: z.string() })) }), 'Mine'),
    ...standardErrors,
  },
});
const createAlertRoute = route('patron', {
  method: 'post',
  path: '/my/alerts',
  operationId: 'createMyNewArrivalAlert',
  tags: tag,
  summary: '新着お知らせの登録 / alert me by e-mail of new titles matching words or an NDC class',
  request: {
    body: jsonBody(
      z.object({
        kind: z.enum(['keyword', 'ndc']),
        query: z.string().trim().min(1).max(100).openapi({ example: '沖縄 歴史' }),
      }),
    ),
  },
  responses: { 200: json(Alert, 'Saved'), ...standardErrors },
});
const deleteAlertRoute = route('patron', {
  method: 'delete',
  path: '/my/alerts/{id}',
  operationId: 'deleteMyNewArrivalAlert',
  tags: tag,
  request: { params: IdParam },
  responses: deletedAnswer,
});

/** Reset requests per client address per 15 minutes (every request counts: nothing says if it matched). */
export const RESET_REQUESTS_PER_ADDRESS = 5;

/** My Library beyond loans and holds: password reset, contact, card, history, bookshelf, alerts. */
export function myLibraryExtraRoutes(deps: AppDeps) {
  const now = deps.now ?? (() => new Date());
  const perAddress = new FailureLimiter(RESET_REQUESTS_PER_ADDRESS, 15 * 60_000);
  const publicUrl =
    deps.config.BUNKO_PUBLIC_URL ??
    `${deps.config.secure ? 'https' : 'http'}://${deps.config.HOST}:${deps.config.PORT}/`;
  const resetDeps = (requestId: string) => ({ db: deps.database.db, now, requestId, publicUrl });
  return router()
    .openapi(resetRequestRoute, async (c) => {
      const key = clientAddress(c);
      const t = now().getTime();
      const wait = perAddress.retryAfter(key, t);
      if (wait > 0) throw new AppError('rateLimited', undefined, undefined, { 'retry-after': String(wait) });
      perAddress.fail(key, t);
      const r = await requestPasswordReset(resetDeps(c.get('requestId')), c.req.valid('json'));
      deps.mail?.kick();
      return c.json(r, 200);
    })
    .openapi(resetConfirmRoute, async (c) =>
      c.json(await confirmPasswordReset(resetDeps(c.get('requestId')), c.req.valid('json')), 200),
    )
    .openapi(contactRoute, async (c) => c.json(await myContact(c.get('ctx')), 200))
    .openapi(updateContactRoute, async (c) => {
      const r = await updateMyContact(c.get('ctx'), c.req.valid('json'), publicUrl);
      deps.mail?.kick();
      return c.json(r, 200);
    })
    .openapi(cancelEmailChangeRoute, async (c) => c.json(await cancelMyEmailChange(c.get('ctx')), 200))
    .openapi(confirmEmailChangeRoute, async (c) =>
      c.json(
        await confirmEmailChange(
          { db: deps.database.db, now, requestId: c.get('requestId') },
          c.req.valid('json'),
        ),
        200,
      ),
    )
    .openapi(cardRoute, async (c) => c.json(await myLibraryCard(c.get('ctx')), 200))
    .openapi(suspendHoldRoute, async (c) =>
      c.json(await suspendMyHold(c.get('ctx'), c.req.valid('param').id, c.req.valid('json').until), 200),
    )
    .openapi(resumeHoldRoute, async (c) =>
      c.json(await resumeMyHold(c.get('ctx'), c.req.valid('param').id), 200),
    )
    .openapi(changeHoldRoute, async (c) =>
      c.json(await changeMyHold(c.get('ctx'), c.req.valid('param').id, c.req.valid('json')), 200),
    )
    .openapi(historyRoute, async (c) =>
      c.json(await myReadingHistory(c.get('ctx'), c.req.valid('query')), 200),
    )
    .openapi(historyOptRoute, async (c) =>
      c.json(await setMyReadingHistory(c.get('ctx'), c.req.valid('json')), 200),
    )
    .openapi(historyDeleteRoute, async (c) => c.json(await deleteMyReadingHistory(c.get('ctx')), 200))
    .openapi(historyDeleteOneRoute, async (c) =>
      c.json(await deleteMyReadingHistoryEntry(c.get('ctx'), c.req.valid('param').id), 200),
    )
    .openapi(bookshelvesRoute, async (c) => c.json({ lists: await myBookshelves(c.get('ctx')) }, 200))
    .openapi(createListRoute, async (c) =>
      c.json(await createMyBookshelf(c.get('ctx'), c.req.valid('json')), 200),
    )
    .openapi(renameListRoute, async (c) =>
      c.json(await renameMyBookshelf(c.get('ctx'), c.req.valid('param').id, c.req.valid('json')), 200),
    )
    .openapi(deleteListRoute, async (c) =>
      c.json(await deleteMyBookshelf(c.get('ctx'), c.req.valid('param').id), 200),
    )
    .openapi(addEntryRoute, async (c) => {
      const { id, bibId } = c.req.valid('param');
      return c.json(await addToMyBookshelf(c.get('ctx'), id, bibId), 200);
    })
    .openapi(removeEntryRoute, async (c) => {
      const { id, bibId } = c.req.valid('param');
      return c.json(await removeFromMyBookshelf(c.get('ctx'), id, bibId), 200);
    })
    .openapi(alertsRoute, async (c) => c.json({ alerts: await myNewArrivalAlerts(c.get('ctx')) }, 200))
    .openapi(createAlertRoute, async (c) =>
      c.json(await createMyNewArrivalAlert(c.get('ctx'), c.req.valid('json')), 200),
    )
    .openapi(deleteAlertRoute, async (c) =>
      c.json(await deleteMyNewArrivalAlert(c.get('ctx'), c.req.valid('param').id), 200),
    );
}
