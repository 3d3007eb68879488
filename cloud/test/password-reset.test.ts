import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.ts';
import { mailOutbox, operationLog, passwordResetTokens, patrons } from '../src/db/schema/index.ts';
import { hashPassword } from '../src/domain/auth/passwords.ts';
import { RESET_REQUESTS_PER_ADDRESS } from '../src/http/routes/my-library-extras.ts';
import { smtpMailer } from '../src/mail/mailer.ts';
import { deliverDueMail } from '../src/mail/outbox-worker.ts';
import { makeLibrary } from './support/library-fixture.ts';
import { startSmtpPeer } from './support/smtp-peer.ts';
import { call, silentLogger, testApp } from './support/test-app.ts';
import { freshDatabase } from './support/test-db.ts';

let database: Database;
let lib: Awaited<ReturnType<typeof makeLibrary>>;
let smtp: Awaited<ReturnType<typeof startSmtpPeer>>;
let t = Date.now();
const now = () => new Date(t);
let app: ReturnType<typeof testApp>;

type Json = Record<string, unknown> & { code?: string };
const post = async (path: string, body: unknown) => {
  const res = await call(app, null, 'POST', path, body);
  return { status: res.status, body: (await res.json()) as Json };
};
const logLines: string[] = [];
const capturingLogger = pino({ level: 'info' }, { write: (line: string) => logLines.push(line) });
const deliver = (logger = silentLogger) =>
  deliverDueMail(
    database.db,
    smtpMailer({ url: smtp.url, from: '石垣市立図書館 <no-reply@example.jp>' }),
    logger,
    now(),
  );
const tokenOf = (text: string) => /#token=([A-Za-z0-9_-]+)/.exec(text)?.[1];
const login = (password: string) =>
  call(app, null, 'POST', '/api/my/login', { tenant: 'reset', cardNumber: lib.cards.carol, password });

beforeAll(async () => {
  database = await freshDatabase();
  lib = await makeLibrary(database, 'reset');
  smtp = await startSmtpPeer();
  await database.db
    .update(patrons)
    .set({ email: 'Carol@Example.jp', passwordHash: await hashPassword('forgotten-pass') })
    .where(eq(patrons.id, lib.patronIds.carol!));
});
afterAll(async () => {
  await smtp?.close();
  await database?.close();
});

describe('password reset by e-mail', () => {
  it('answers the same whether or not card and address match, and mails only on a match', async () => {
    app = testApp(database, { now });
    const wrongMail = await post('/api/my/password-reset', {
      tenant: 'reset',
      cardNumber: lib.cards.carol,
      email: 'someone@example.jp',
    });
    const noMailAtAll = await post('/api/my/password-reset', {
      tenant: 'reset',
      cardNumber: lib.cards.alice,
      email: 'alice@example.jp',
    });
    const unknownCard = await post('/api/my/password-reset', {
      tenant: 'reset',
      cardNumber: '29999999',
      email: 'carol@example.jp',
    });
    const match = await post('/api/my/password-reset', {
      tenant: 'reset',
      cardNumber: lib.cards.carol,
      email: 'carol@example.JP',
    });
    for (const r of [wrongMail, noMailAtAll, unknownCard, match]) {
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ ok: true });
    }
    const queued = await database.db.select().from(mailOutbox);
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({
      kind: 'passwordReset',
      status: 'pending',
      toAddress: 'Carol@Example.jp',
    });
    // only the hash of the token is stored
    const [token] = await database.db.select().from(passwordResetTokens);
    expect(queued[0]!.body).not.toContain(token!.tokenHash);
  });

  it('sends the Japanese mail through a real SMTP server; the link works once', async () => {
    expect(await deliver()).toEqual({ sent: 1, failed: 0 });
    expect(smtp.received).toHaveLength(1);
    const mail = smtp.received[0]!;
    expect(mail.subject).toBe('【reset図書館】パスワード再設定のご案内');
    expect((mail.to && !Array.isArray(mail.to) ? mail.to.text : '').toLowerCase()).toBe('carol@example.jp');
    expect(mail.text).toContain('パスワード再設定のお申し込みを受け付けました');
    expect(mail.text).toContain(`下4桁: ${lib.cards.carol!.slice(-4)}`);
    expect(mail.text).toContain('30分以内');
    expect(mail.text).not.toContain(lib.cards.carol!);
    const [row] = await database.db.select().from(mailOutbox);
    expect(row!.status).toBe('sent');

    const token = tokenOf(mail.text!)!;
    expect(token).toBeTruthy();
    const weak = await post('/api/my/password-reset/confirm', { token, newPassword: lib.cards.carol });
    expect(weak.body.code).toBe('passwordRejected');
    const ok = await post('/api/my/password-reset/confirm', { token, newPassword: 'brand-new-pass-1' });
    expect(ok.status).toBe(200);
    expect((await login('brand-new-pass-1')).status).toBe(200);
    expect((await login('forgotten-pass')).status).toBe(401);
    const again = await post('/api/my/password-reset/confirm', { token, newPassword: 'another-pass-22' });
    expect(again.status).toBe(400);
    expect(again.body.code).toBe('resetTokenInvalid');
    const log = await database.db
      .select({
        action: operationLog.action,
        actorKind: operationLog.actorKind,
        details: operationLog.details,
      })
      .from(operationLog)
      .where(eq(operationLog.targetId, lib.patronIds.carol!));
    expect(log.map((l) => l.action)).toEqual(
      expect.arrayContaining(['patron.passwordResetRequested', 'patron.passwordReset']),
    );
    expect(JSON.stringify(log)).not.toContain('example.jp');
  });

  it('refuses an expired link', async () => {
    await post('/api/my/password-reset', {
      tenant: 'reset',
      cardNumber: lib.cards.carol,
      email: 'carol@example.jp',
    });
    await deliver();
    const token = tokenOf(smtp.received.at(-1)!.text!)!;
    t += 31 * 60_000;
    const late = await post('/api/my/password-reset/confirm', { token, newPassword: 'late-pass-333' });
    expect(late.body.code).toBe('resetTokenInvalid');
  });

  it('keeps a mail in the outbox while the SMTP server refuses it, and sends it later', async () => {
    t += 2 * 3600_000;
    await post('/api/my/password-reset', {
      tenant: 'reset',
      cardNumber: lib.cards.carol,
      email: 'carol@example.jp',
    });
    smtp.state.refuse = true;
    const before = smtp.received.length;
    expect(await deliver(capturingLogger)).toEqual({ sent: 0, failed: 1 });
    // the failure is logged with the mail's id and the SMTP code, never the address or the text
    expect(logLines.join('')).toContain('smtp 451');
    expect(logLines.join('')).not.toContain('example.jp');
    expect(logLines.join('')).not.toContain('パスワード');
    const [pending] = await database.db.select().from(mailOutbox).where(eq(mailOutbox.status, 'pending'));
    expect(pending).toMatchObject({ attempts: 1, lastError: 'smtp 451' });
    smtp.state.refuse = false;
    expect(await deliver()).toEqual({ sent: 0, failed: 0 }); // not due yet: backing off
    t += 10 * 60_000;
    expect(await deliver()).toEqual({ sent: 1, failed: 0 });
    expect(smtp.received.length).toBe(before + 1);
  });

  it('sends at most 3 reset mails per patron per hour, and rate-limits each client address', async () => {
    t += 2 * 3600_000;
    app = testApp(database, { now });
    const ask = () =>
      post('/api/my/password-reset', {
        tenant: 'reset',
        cardNumber: lib.cards.carol,
        email: 'carol@example.jp',
      });
    const answers = [];
    for (let i = 0; i < RESET_REQUESTS_PER_ADDRESS; i++) answers.push(await ask());
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const tokens = await database.db
      .select()
      .from(passwordResetTokens)
      .where(eq(passwordResetTokens.patronId, lib.patronIds.carol!));
    const lastHour = tokens.filter((x) => x.createdAt.getTime() > t - 3600_000);
    expect(lastHour).toHaveLength(3);
    const limited = await ask();
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('rateLimited');
  });
});
