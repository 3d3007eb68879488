import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.ts';
import { emailChangeRequests, mailOutbox, operationLog, patrons } from '../src/db/schema/index.ts';
import { hashPassword } from '../src/domain/auth/passwords.ts';
import { EMAIL_CHANGE_HOURS, EMAIL_CHANGES_PER_HOUR } from '../src/domain/my-library/email-change.ts';
import { makeLibrary } from './support/library-fixture.ts';
import { call, login, patronLogin, testApp } from './support/test-app.ts';
import { freshDatabase } from './support/test-db.ts';

/**
 * メールアドレス変更の確認: a new address takes effect only through the one-time link mailed to it;
 * the old address is told; a wrong, expired, replaced or reused link is refused with its reason.
 */

let database: Database;
let lib: Awaited<ReturnType<typeof makeLibrary>>;
let app: ReturnType<typeof testApp>;
let t = Date.now();
const now = () => new Date(t);
let dave: string;
const PASS = 'email-change-pass-1';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely in assertions
type Json = Record<string, any> & { code?: string };
const send = async (cookie: string | null, method: string, path: string, body?: unknown) => {
  const res = await call(app, cookie, method, path, body);
  return { status: res.status, body: (await res.json()) as Json };
};
const confirm = (token: string) => send(null, 'POST', '/api/my/contact/email-confirm', { token });
const mailsOf = (patronId: string) =>
  database.db
    .select({
      kind: mailOutbox.kind,
      to: mailOutbox.toAddress,
      subject: mailOutbox.subject,
      body: mailOutbox.body,
    })
    .from(mailOutbox)
    .where(eq(mailOutbox.patronId, patronId))
    .orderBy(asc(mailOutbox.createdAt));
const lastToken = async (patronId: string) => {
  const mails = (await mailsOf(patronId)).filter((m) => m.kind === 'emailChangeConfirm');
  return /#token=([A-Za-z0-9_-]+)/.exec(mails.at(-1)!.body)![1]!;
};
const emailOf = async (patronId: string) =>
  (await database.db.select({ email: patrons.email }).from(patrons).where(eq(patrons.id, patronId)))[0]!
    .email;

beforeAll(async () => {
  database = await freshDatabase();
  lib = await makeLibrary(database, 'mailchg');
  app = testApp(database, { now });
  await database.db
    .update(patrons)
    .set({ passwordHash: await hashPassword(PASS), email: 'dave@example.jp' })
    .where(eq(patrons.id, lib.patronIds.alice!));
  dave = await patronLogin(app, 'mailchg', lib.cards.alice!, PASS);
});
afterAll(async () => {
  await database?.close();
});

describe('changing my e-mail address', () => {
  it('waits for the link mailed to the new address; the old one is told and keeps the notices', async () => {
    const id = lib.patronIds.alice!;
    const r = await send(dave, 'PATCH', '/api/my/contact', { email: 'dave.new@example.jp' });
    expect(r.status).toBe(200);
    expect(r.body.email).toBe('dave@example.jp');
    expect(r.body.pendingEmail).toEqual({
      email: 'dave.new@example.jp',
      expiresAt: new Date(t + EMAIL_CHANGE_HOURS * 3600_000).toISOString(),
    });
    expect(await emailOf(id)).toBe('dave@example.jp');
    const mails = await mailsOf(id);
    expect(mails.map((m) => [m.kind, m.to])).toEqual([
      ['emailChangeConfirm', 'dave.new@example.jp'],
      ['emailChangeNotice', 'dave@example.jp'],
    ]);
    expect(mails[0]!.subject).toBe('【mailchg図書館】メールアドレスの確認のお願い');
    expect(mails[0]!.body).toMatch(/\/opac\/my\/email-confirm#token=[A-Za-z0-9_-]{40,}/);
    expect(mails[1]!.body).not.toContain('token=');
    // only the token's hash is stored
    const token = await lastToken(id);
    const stored = await database.db
      .select()
      .from(emailChangeRequests)
      .where(eq(emailChangeRequests.patronId, id));
    expect(JSON.stringify(stored)).not.toContain(token);

    // the same address again: nothing new is sent
    await send(dave, 'PATCH', '/api/my/contact', { email: 'dave.new@example.jp', phone: '0980-00-1111' });
    expect(await mailsOf(id)).toHaveLength(2);

    expect(await confirm(token)).toEqual({ status: 200, body: { ok: true } });
    expect(await emailOf(id)).toBe('dave.new@example.jp');
    expect((await send(dave, 'GET', '/api/my/contact')).body).toMatchObject({
      email: 'dave.new@example.jp',
      phone: '0980-00-1111',
      pendingEmail: null,
    });
    // a used link is refused as used
    const again = await confirm(token);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('emailTokenUsed');

    // the log has ids and actions, never an address or the token
    const log = await database.db
      .select({ action: operationLog.action, kind: operationLog.actorKind, details: operationLog.details })
      .from(operationLog)
      .where(and(eq(operationLog.targetType, 'patron'), eq(operationLog.targetId, id)));
    expect(log.map((l) => l.action)).toEqual(
      expect.arrayContaining(['patron.emailChangeRequested', 'patron.emailConfirmed']),
    );
    expect(log.every((l) => l.kind === 'patron')).toBe(true);
    expect(JSON.stringify(log)).not.toContain('example.jp');
    expect(JSON.stringify(log)).not.toContain(token);
  });

  it('refuses a wrong, an expired and a replaced link, each with its reason', async () => {
    const id = lib.patronIds.alice!;
    const wrong = await confirm('x'.repeat(43));
    expect(wrong.status).toBe(400);
    expect(wrong.body.code).toBe('emailTokenInvalid');
    expect(wrong.body.messageJa).toContain('正しくない');

    await send(dave, 'PATCH', '/api/my/contact', { email: 'first@example.jp' });
    const first = await lastToken(id);
    t += 60_000;
    await send(dave, 'PATCH', '/api/my/contact', { email: 'second@example.jp' });
    const second = await lastToken(id);
    const replaced = await confirm(first);
    expect(replaced.body.code).toBe('emailTokenInvalid');
    expect(replaced.body.detail).toContain('replaced');

    t += EMAIL_CHANGE_HOURS * 3600_000 + 1000;
    const late = await confirm(second);
    expect(late.status).toBe(400);
    expect(late.body.code).toBe('emailTokenExpired');
    expect(late.body.messageEn).toContain('expired');
    expect(await emailOf(id)).toBe('dave.new@example.jp');
    // an expired request is no longer shown as waiting (a new login: the old session ran out)
    dave = await patronLogin(app, 'mailchg', lib.cards.alice!, PASS);
    expect((await send(dave, 'GET', '/api/my/contact')).body.pendingEmail).toBeNull();
  });

  it('can be cancelled; a removed address ends at once and the old one is told', async () => {
    t += 2 * 3600_000;
    dave = await patronLogin(app, 'mailchg', lib.cards.alice!, PASS);
    const id = lib.patronIds.alice!;
    await send(dave, 'PATCH', '/api/my/contact', { email: 'never@example.jp' });
    const token = await lastToken(id);
    const cancelled = await send(dave, 'DELETE', '/api/my/contact/email-change');
    expect(cancelled.body).toMatchObject({ email: 'dave.new@example.jp', pendingEmail: null });
    expect((await confirm(token)).body.code).toBe('emailTokenInvalid');

    const removed = await send(dave, 'PATCH', '/api/my/contact', { email: null });
    expect(removed.body).toMatchObject({ email: null, pendingEmail: null });
    const last = (await mailsOf(id)).at(-1)!;
    expect([last.kind, last.to]).toEqual(['emailRemovedNotice', 'dave.new@example.jp']);
  });

  it(`sends at most ${EMAIL_CHANGES_PER_HOUR} confirmation mails an hour per patron`, async () => {
    t += 2 * 3600_000;
    dave = await patronLogin(app, 'mailchg', lib.cards.alice!, PASS);
    for (let i = 0; i < EMAIL_CHANGES_PER_HOUR; i++) {
      expect((await send(dave, 'PATCH', '/api/my/contact', { email: `n${i}@example.jp` })).status).toBe(200);
    }
    const refused = await send(dave, 'PATCH', '/api/my/contact', { email: 'flood@example.jp' });
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe('rateLimited');
    // nothing half-applied: the refused request changed nothing, the last good one still waits
    expect((await send(dave, 'GET', '/api/my/contact')).body.pendingEmail.email).toBe(
      `n${EMAIL_CHANGES_PER_HOUR - 1}@example.jp`,
    );
  });

  it('the disclosure export lists the changes asked for, with their outcome', async () => {
    const admin = await login(app, 'mailchg', 'admin');
    const res = await call(app, admin, 'GET', `/api/patrons/${lib.patronIds.alice}/disclosure`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { emailChanges: { newEmail: string; endedAs: string | null }[] };
    expect(doc.emailChanges.slice(0, 4)).toEqual([
      expect.objectContaining({ newEmail: 'dave.new@example.jp', endedAs: 'confirmed' }),
      expect.objectContaining({ newEmail: 'first@example.jp', endedAs: 'replaced' }),
      // expired unused, then closed by the next request
      expect.objectContaining({ newEmail: 'second@example.jp', endedAs: 'replaced' }),
      expect.objectContaining({ newEmail: 'never@example.jp', endedAs: 'cancelled' }),
    ]);
  });

  it('is in the OpenAPI document as confirmMyEmailChange, public, and cancelMyEmailChange for the patron', async () => {
    const doc = (await (await app.request('/api/openapi.json')).json()) as {
      paths: Record<string, Record<string, { operationId: string; 'x-permission': string }>>;
    };
    expect(doc.paths['/api/my/contact/email-confirm']?.post).toMatchObject({
      operationId: 'confirmMyEmailChange',
      'x-permission': 'public',
    });
    expect(doc.paths['/api/my/contact/email-change']?.delete).toMatchObject({
      operationId: 'cancelMyEmailChange',
      'x-permission': 'patron',
    });
  });
});
