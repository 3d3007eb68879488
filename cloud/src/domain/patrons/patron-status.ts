import { and, eq, inArray, lt } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { patronCards, patronSessions, patrons } from '../../db/schema/index.ts';
import { todayInTokyo } from '../calendar/dates.ts';
import { type Ctx, inTx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';
import { recordOperation } from '../oplog/record.ts';
import { expiryFrom, IssueList, newCardBarcode } from './patron-validation.ts';
import { registrationSettings } from './registration-settings.ts';
import { lockPatronRow } from './update-patron.ts';

/**
 * カード再発行: the patron's current card stops working at once (kept as 'replaced', so a stray scan
 * of it says 再発行済みの旧カード instead of "unknown card"); a card reported lost stays 'lost'.
 * My Library sessions opened with the old card end with it.
 */
export async function reissueCard(ctx: Ctx, patronId: string, input: { cardBarcode: string }) {
  requirePermission(ctx, 'patrons.write');
  return inTx(ctx, async (tx) => {
    await lockPatronRow(tx, ctx, patronId);
    const issues = new IssueList();
    const barcode = await newCardBarcode(tx, ctx.tenantId, input.cardBarcode, issues);
    issues.throwIfAny();
    const old = await blockActiveCards(tx, ctx, patronId, 'replaced');
    const [card] = await tx
      .insert(patronCards)
      .values({ tenantId: ctx.tenantId, patronId, barcode: barcode! })
      .returning({ id: patronCards.id });
    await recordOperation(tx, ctx, {
      action: 'patron.reissueCard',
      targetType: 'patron',
      targetId: patronId,
      details: { newCardId: card!.id, blockedCardIds: old.map((c) => c.id) },
    });
    return { patronId, cardBarcode: barcode!, blockedCards: old.length };
  });
}

/** Block the patron's active card(s) with the given status; the blocked cards' ids. */
function blockActiveCards(tx: Tx, ctx: Ctx, patronId: string, status: 'replaced' | 'lost') {
  return tx
    .update(patronCards)
    .set({ status, blockedAt: ctx.now() })
    .where(
      and(
        eq(patronCards.tenantId, ctx.tenantId),
        eq(patronCards.patronId, patronId),
        eq(patronCards.status, 'active'),
      ),
    )
    .returning({ id: patronCards.id });
}

/** 紛失届: the active card is blocked as lost until a new one is issued. */
export async function reportCardLost(ctx: Ctx, patronId: string) {
  requirePermission(ctx, 'patrons.write');
  return inTx(ctx, async (tx) => {
    await lockPatronRow(tx, ctx, patronId);
    const blocked = await blockActiveCards(tx, ctx, patronId, 'lost');
    if (blocked.length === 0) throw new AppError('conflict', 'no active card');
    await recordOperation(tx, ctx, {
      action: 'patron.cardLost',
      targetType: 'patron',
      targetId: patronId,
      details: { cardIds: blocked.map((c) => c.id) },
    });
    return { patronId, blockedCards: blocked.length };
  });
}

/** 登録更新: valid for the library's period again from today; an expired registration is active again. */
export async function renewRegistration(ctx: Ctx, patronId: string) {
  requirePermission(ctx, 'patrons.write');
  return inTx(ctx, async (tx) => {
    const { patron } = await lockPatronRow(tx, ctx, patronId);
    const settings = await registrationSettings(tx, ctx.tenantId);
    const expiresOn = expiryFrom(todayInTokyo(ctx.now()), settings.validYears);
    const status = patron.status === 'expired' ? 'active' : patron.status;
    await tx.update(patrons).set({ expiresOn, status, updatedAt: ctx.now() }).where(eq(patrons.id, patronId));
    await recordOperation(tx, ctx, {
      action: 'patron.renew',
      targetType: 'patron',
      targetId: patronId,
      details: { expiresOn },
    });
    return { patronId, expiresOn, status };
  });
}

/**
 * 利用停止 with a reason and an optional last day; checkout and My Library refuse the patron while
 * it lasts. The reason is for staff only: the log keeps that there was one, not its text.
 */
export async function suspendPatron(
  ctx: Ctx,
  patronId: string,
  input: { reason: string; until?: string | null },
) {
  requirePermission(ctx, 'patrons.write');
  if (input.until && input.until < todayInTokyo(ctx.now())) {
    throw new AppError('validation', undefined, [{ path: 'until', message: 'must not be in the past' }]);
  }
  return inTx(ctx, async (tx) => {
    await lockPatronRow(tx, ctx, patronId);
    await tx
      .update(patrons)
      .set({
        status: 'suspended',
        suspensionReason: input.reason,
        suspendedUntil: input.until ?? null,
        updatedAt: ctx.now(),
      })
      .where(eq(patrons.id, patronId));
    await tx
      .update(patronSessions)
      .set({ revokedAt: ctx.now() })
      .where(and(eq(patronSessions.tenantId, ctx.tenantId), eq(patronSessions.patronId, patronId)));
    await recordOperation(tx, ctx, {
      action: 'patron.suspend',
      targetType: 'patron',
      targetId: patronId,
      details: { until: input.until ?? null },
    });
    return { patronId, status: 'suspended' as const, suspendedUntil: input.until ?? null };
  });
}

/** 利用停止の解除 by staff. */
export async function liftSuspension(ctx: Ctx, patronId: string) {
  requirePermission(ctx, 'patrons.write');
  return inTx(ctx, async (tx) => {
    const { patron } = await lockPatronRow(tx, ctx, patronId);
    if (patron.status !== 'suspended') throw new AppError('conflict', 'not suspended');
    await tx
      .update(patrons)
      .set({ status: 'active', suspensionReason: null, suspendedUntil: null, updatedAt: ctx.now() })
      .where(eq(patrons.id, patronId));
    await recordOperation(tx, ctx, {
      action: 'patron.liftSuspension',
      targetType: 'patron',
      targetId: patronId,
    });
    return { patronId, status: 'active' as const };
  });
}

/** Daily: suspensions whose last day has passed end by themselves (logged as the system). */
export async function endLapsedSuspensions(ctx: Ctx) {
  requirePermission(ctx, 'patrons.write');
  const today = todayInTokyo(ctx.now());
  return inTx(ctx, async (tx) => {
    const ended = await tx
      .update(patrons)
      .set({ status: 'active', suspensionReason: null, suspendedUntil: null, updatedAt: ctx.now() })
      .where(
        and(
          eq(patrons.tenantId, ctx.tenantId),
          inArray(patrons.status, ['suspended']),
          lt(patrons.suspendedUntil, today),
        ),
      )
      .returning({ id: patrons.id });
    for (const p of ended) {
      await recordOperation(tx, ctx, {
        action: 'patron.suspensionEnded',
        targetType: 'patron',
        targetId: p.id,
      });
    }
    return ended.length;
  });
}
