import { eraDate, westernDate } from '@bunko/protocols';
import { and, eq, isNull } from 'drizzle-orm';
import { loans, patronCards, patronCategories, patrons } from '../../db/schema/index.ts';
import { cancelHold } from '../circulation/cancel-hold.ts';
import { listPatronHolds, listPatronLoans } from '../circulation/patron-activity.ts';
import { placeHold } from '../circulation/place-hold.ts';
import { renewLoan } from '../circulation/renew-loan.ts';
import { type Ctx, inTx } from '../context.ts';
import { AppError } from '../errors.ts';
import { recordOperation } from '../oplog/record.ts';
import { requirePatron } from '../patron-auth/account.ts';

/**
 * My Library (マイページ): a logged-in patron acting for themself. Every verb takes the patron from
 * the session, never from the request, so another patron's loan or hold is simply not found.
 * Each action is in the operation log with the patron as actor (actor_kind 'patron',
 * actor_patron_id) and ids only in the details, never personal data.
 */

const logView = (ctx: Ctx, patronId: string, action: string) =>
  inTx(ctx, (tx) => recordOperation(tx, ctx, { action, targetType: 'patron', targetId: patronId }));

/** The minimum about the patron: name, category, registration expiry, last 4 digits of the card. */
export async function myProfile(ctx: Ctx) {
  const me = requirePatron(ctx, { allowMustChange: true });
  const [row] = await ctx.db
    .select({
      name: patrons.name,
      expiresOn: patrons.expiresOn,
      categoryCode: patronCategories.code,
      categoryJa: patronCategories.nameJa,
      categoryEn: patronCategories.nameEn,
      barcode: patronCards.barcode,
    })
    .from(patrons)
    .innerJoin(patronCategories, eq(patronCategories.id, patrons.categoryId))
    .innerJoin(patronCards, eq(patronCards.id, me.cardId))
    .where(and(eq(patrons.tenantId, ctx.tenantId), eq(patrons.id, me.id)));
  if (!row) throw new AppError('unauthenticated');
  await logView(ctx, me.id, 'patron.viewProfile');
  return {
    name: row.name,
    category: { code: row.categoryCode, nameJa: row.categoryJa, nameEn: row.categoryEn },
    expiresOn: row.expiresOn,
    cardLast4: row.barcode.slice(-4),
    mustChangePassword: me.mustChangePassword,
  };
}

/** Current loans, due date in era and western form (令和8年12月9日(水) / 2026年12月9日(水)). */
export async function myLoans(ctx: Ctx) {
  const me = requirePatron(ctx);
  const rows = await listPatronLoans(ctx, me.id, { byPatron: true });
  await logView(ctx, me.id, 'patron.viewLoans');
  return rows.map((r) => ({
    loanId: r.loanId,
    title: r.title,
    loanedAt: r.loanedAt,
    dueOn: r.dueOn,
    dueOnEra: eraDate(r.dueOn),
    dueOnWestern: westernDate(r.dueOn),
    renewals: r.renewals,
    overdue: r.overdue,
  }));
}

/** Active holds with their place in the queue (n人待ち; 0 once a copy is set aside). */
export async function myHolds(ctx: Ctx) {
  const me = requirePatron(ctx);
  const rows = await listPatronHolds(ctx, me.id, { byPatron: true });
  await logView(ctx, me.id, 'patron.viewHolds');
  return rows.map((r) => ({
    holdId: r.holdId,
    bibId: r.bibId,
    title: r.title,
    status: r.status,
    pickupLocationId: r.pickupLocationId,
    pickupLocationJa: r.pickupLocationJa,
    pickupLocationEn: r.pickupLocationEn,
    contactMethod: r.contactMethod,
    placedAt: r.placedAt,
    pickupBy: r.pickupBy,
    notNeededAfter: r.notNeededAfter,
    suspendedUntil: r.suspendedUntil,
    queuePosition: r.queuePosition,
  }));
}

/** Renew one of my current loans; a refusal comes back as its reason (renewalHeld, renewalLimit, …). */
export async function renewMyLoan(ctx: Ctx, loanId: string) {
  const me = requirePatron(ctx);
  const [loan] = await ctx.db
    .select({ id: loans.id })
    .from(loans)
    .where(
      and(
        eq(loans.tenantId, ctx.tenantId),
        eq(loans.id, loanId),
        eq(loans.patronId, me.id),
        isNull(loans.returnedAt),
      ),
    );
  if (!loan) throw new AppError('notFound');
  const r = await renewLoan(ctx, { loanId }, { byPatronId: me.id });
  return {
    loanId: r.loanId,
    title: r.title,
    dueOn: r.dueOn,
    dueOnEra: eraDate(r.dueOn),
    dueOnWestern: westernDate(r.dueOn),
    renewals: r.renewals,
  };
}

export type PlaceMyHoldInput = {
  bibId: string;
  pickupLocationId: string;
  contactMethod: 'email' | 'phone' | 'none';
  volume?: string;
  notNeededAfter?: string;
};

/** A hold's contact method needs the e-mail address or phone number it names on the patron's record. */
export async function requireContactFor(
  ctx: Ctx,
  patronId: string,
  method: PlaceMyHoldInput['contactMethod'],
) {
  if (method === 'none') return;
  const [p] = await ctx.db
    .select({ email: patrons.email, phone: patrons.phone })
    .from(patrons)
    .where(and(eq(patrons.tenantId, ctx.tenantId), eq(patrons.id, patronId)));
  if (!(method === 'email' ? p?.email : p?.phone)) {
    throw new AppError('validation', undefined, [
      { path: 'contactMethod', message: `no ${method} registered` },
    ]);
  }
}

/** Place a hold for myself, with pickup location and how to be told it is ready. */
export async function placeMyHold(ctx: Ctx, input: PlaceMyHoldInput) {
  const me = requirePatron(ctx);
  await requireContactFor(ctx, me.id, input.contactMethod);
  return placeHold(ctx, { ...input, patronId: me.id }, { byPatron: true });
}

/** Cancel one of my holds (another patron's hold id is not found). */
export async function cancelMyHold(ctx: Ctx, holdId: string) {
  const me = requirePatron(ctx);
  const r = await cancelHold(ctx, holdId, { byPatronId: me.id });
  return { holdId: r.holdId, status: r.status };
}
