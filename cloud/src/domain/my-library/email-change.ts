import { and, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.ts';
import { emailChangeRequests, patrons, tenants } from '../../db/schema/index.ts';
import { newSessionToken, tokenHash } from '../auth/sessions.ts';
import type { Ctx } from '../context.ts';
import { AppError } from '../errors.ts';
import { enqueueMail } from '../mail/outbox.ts';
import { recordOperation } from '../oplog/record.ts';

/**
 * メールアドレス変更の確認. A new address takes effect only when the patron opens the one-time link
 * mailed to it; until then notices keep going to the current address, which is told that a change
 * was asked for. The token is kept as SHA-256 only, works once and expires.
 */

/** A confirmation link works once, within this time. */
export const EMAIL_CHANGE_HOURS = 24;
/** At most this many confirmation mails per patron per hour (a session must not flood any address). */
export const EMAIL_CHANGES_PER_HOUR = 3;

const same = (a: string | null | undefined, b: string | null | undefined) =>
  (a ?? '').trim().toLowerCase() === (b ?? '').trim().toLowerCase();

/** The change waiting for its confirmation, if any (newest, not ended, not expired). */
export async function pendingEmailChange(db: Db | Tx, tenantId: string, patronId: string, now: Date) {
  const [row] = await db
    .select({
      id: emailChangeRequests.id,
      email: emailChangeRequests.newEmail,
      expiresAt: emailChangeRequests.expiresAt,
    })
    .from(emailChangeRequests)
    .where(
      and(
        eq(emailChangeRequests.tenantId, tenantId),
        eq(emailChangeRequests.patronId, patronId),
        isNull(emailChangeRequests.endedAt),
        gt(emailChangeRequests.expiresAt, now),
      ),
    )
    .orderBy(desc(emailChangeRequests.createdAt))
    .limit(1);
  return row ?? null;
}

/** End every open request of the patron (a newer one replaces them, or the patron cancels). */
async function endOpenRequests(tx: Tx, ctx: Ctx, patronId: string, as: 'replaced' | 'cancelled') {
  return tx
    .update(emailChangeRequests)
    .set({ endedAt: ctx.now(), endedAs: as })
    .where(
      and(
        eq(emailChangeRequests.tenantId, ctx.tenantId),
        eq(emailChangeRequests.patronId, patronId),
        isNull(emailChangeRequests.endedAt),
      ),
    )
    .returning({ id: emailChangeRequests.id });
}

export type EmailChangeOutcome = 'unchanged' | 'pending' | 'removed';

/**
 * Inside the contact update's transaction: what a new value for the e-mail field does. The same
 * address (or the one already waiting) changes nothing; no address removes it at once (nothing is
 * sent to an unconfirmed place) and tells the old one; another address starts a confirmation.
 */
export async function requestEmailChange(
  tx: Tx,
  ctx: Ctx,
  patron: { id: string; email: string | null },
  email: string | null,
  publicUrl: string,
): Promise<EmailChangeOutcome> {
  const now = ctx.now();
  const [tenant] = await tx
    .select({ nameJa: tenants.nameJa })
    .from(tenants)
    .where(eq(tenants.id, ctx.tenantId));
  const library = tenant?.nameJa ?? '';
  if (email === null) {
    if (!patron.email) return 'unchanged';
    await endOpenRequests(tx, ctx, patron.id, 'cancelled');
    await tx.update(patrons).set({ email: null, updatedAt: now }).where(eq(patrons.id, patron.id));
    await enqueueMail(tx, {
      tenantId: ctx.tenantId,
      patronId: patron.id,
      kind: 'emailRemovedNotice',
      at: now,
      to: patron.email,
      subject: `【${library}】メールアドレスの登録を削除しました`,
      body: removedNoticeBody(library),
    });
    await recordOperation(tx, ctx, {
      action: 'patron.emailRemoved',
      targetType: 'patron',
      targetId: patron.id,
    });
    return 'removed';
  }
  const wanted = email.trim();
  if (same(wanted, patron.email)) return 'unchanged';
  const pending = await pendingEmailChange(tx, ctx.tenantId, patron.id, now);
  if (pending && same(pending.email, wanted)) return 'pending';
  const [recent] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(emailChangeRequests)
    .where(
      and(
        eq(emailChangeRequests.tenantId, ctx.tenantId),
        eq(emailChangeRequests.patronId, patron.id),
        gt(emailChangeRequests.createdAt, new Date(now.getTime() - 3600_000)),
      ),
    );
  if ((recent?.n ?? 0) >= EMAIL_CHANGES_PER_HOUR) {
    throw new AppError('rateLimited', 'too many e-mail changes in an hour', undefined, {
      'retry-after': '3600',
    });
  }
  await endOpenRequests(tx, ctx, patron.id, 'replaced');
  const token = newSessionToken();
  const expiresAt = new Date(now.getTime() + EMAIL_CHANGE_HOURS * 3600_000);
  const [request] = await tx
    .insert(emailChangeRequests)
    .values({
      tenantId: ctx.tenantId,
      patronId: patron.id,
      newEmail: wanted,
      tokenHash: tokenHash(token),
      createdAt: now,
      expiresAt,
    })
    .returning({ id: emailChangeRequests.id });
  await enqueueMail(tx, {
    tenantId: ctx.tenantId,
    patronId: patron.id,
    kind: 'emailChangeConfirm',
    at: now,
    to: wanted,
    subject: `【${library}】メールアドレスの確認のお願い`,
    body: confirmMailBody(library, `${publicUrl.replace(/\/?$/, '/')}opac/my/email-confirm#token=${token}`),
  });
  if (patron.email) {
    await enqueueMail(tx, {
      tenantId: ctx.tenantId,
      patronId: patron.id,
      kind: 'emailChangeNotice',
      at: now,
      to: patron.email,
      subject: `【${library}】メールアドレス変更のお申し込みがありました`,
      body: changeNoticeBody(library),
    });
  }
  await recordOperation(tx, ctx, {
    action: 'patron.emailChangeRequested',
    targetType: 'patron',
    targetId: patron.id,
    details: { requestId: request!.id },
  });
  return 'pending';
}

function confirmMailBody(library: string, url: string) {
  return [
    `${library}のマイページで、連絡先のメールアドレスをこのアドレスに変える申し込みがありました。`,
    '',
    `次のリンクを${EMAIL_CHANGE_HOURS}時間以内に開くと、変更が完了します。リンクは一度だけ使えます。`,
    url,
    '',
    '確認が済むまで、図書館からのお知らせは今までのアドレスに届きます。',
    'お申し込みに心当たりがない場合は、このメールを破棄してください。アドレスは変わりません。',
    '※このメールは送信専用です。ご返信いただいてもお答えできません。',
  ].join('\n');
}

function changeNoticeBody(library: string) {
  return [
    `${library}のマイページで、連絡先のメールアドレスを変える申し込みがありました。`,
    '新しいアドレスで確認が済むまで、お知らせはこのアドレスに届きます。',
    '',
    'お申し込みに心当たりがない場合は、マイページのパスワードを変えるか、図書館にご連絡ください。',
    '※このメールは送信専用です。ご返信いただいてもお答えできません。',
  ].join('\n');
}

function removedNoticeBody(library: string) {
  return [
    `${library}のマイページで、連絡先のメールアドレスの登録が削除されました。`,
    'これからは、このアドレスに図書館からのお知らせは届きません。',
    '',
    'お心当たりがない場合は、図書館にご連絡ください。',
    '※このメールは送信専用です。ご返信いただいてもお答えできません。',
  ].join('\n');
}

/** 変更の取り消し: the waiting address is dropped; the current one stays. */
export async function cancelEmailChange(tx: Tx, ctx: Ctx, patronId: string) {
  const ended = await endOpenRequests(tx, ctx, patronId, 'cancelled');
  if (ended.length > 0) {
    await recordOperation(tx, ctx, {
      action: 'patron.emailChangeCancelled',
      targetType: 'patron',
      targetId: patronId,
    });
  }
  return ended.length > 0;
}

export type ConfirmDeps = { db: Db; now: () => Date; requestId: string };

/**
 * The mailed link's token: the waiting address becomes the patron's. Refused with its reason when
 * the token is unknown or replaced by a newer request (emailTokenInvalid), out of time
 * (emailTokenExpired) or already used (emailTokenUsed). No session needed: holding the mail is
 * the proof.
 */
export async function confirmEmailChange(deps: ConfirmDeps, input: { token: string }) {
  const now = deps.now();
  return deps.db.transaction(async (tx) => {
    const [row] = await tx
      .select({ request: emailChangeRequests, status: patrons.status })
      .from(emailChangeRequests)
      .innerJoin(patrons, eq(patrons.id, emailChangeRequests.patronId))
      .where(eq(emailChangeRequests.tokenHash, tokenHash(input.token)))
      .for('update', { of: emailChangeRequests });
    if (!row || row.status === 'deleted') throw new AppError('emailTokenInvalid');
    const r = row.request;
    if (r.endedAs === 'confirmed') throw new AppError('emailTokenUsed');
    if (r.endedAt) throw new AppError('emailTokenInvalid', `the request was ${r.endedAs}`);
    if (r.expiresAt <= now) throw new AppError('emailTokenExpired');
    await tx
      .update(emailChangeRequests)
      .set({ endedAt: now, endedAs: 'confirmed' })
      .where(eq(emailChangeRequests.id, r.id));
    await tx.update(patrons).set({ email: r.newEmail, updatedAt: now }).where(eq(patrons.id, r.patronId));
    const ctx: Ctx = {
      db: deps.db,
      tenantId: r.tenantId,
      staff: null,
      workstation: null,
      requestId: deps.requestId,
      now: deps.now,
      patron: { id: r.patronId, cardId: '', sessionId: '', mustChangePassword: false },
    };
    await recordOperation(tx, ctx, {
      action: 'patron.emailConfirmed',
      targetType: 'patron',
      targetId: r.patronId,
      details: { requestId: r.id },
    });
    return { ok: true as const };
  });
}
