import { BarcodeSettings, nw7Symbol } from '@bunko/protocols';
import { and, eq } from 'drizzle-orm';
import { patronCards, patronCategories, patrons, tenants } from '../../db/schema/index.ts';
import { addDays, todayInTokyo } from '../calendar/dates.ts';
import { updateHold } from '../circulation/hold-admin.ts';
import { type Ctx, inTx } from '../context.ts';
import { AppError } from '../errors.ts';
import { recordOperation } from '../oplog/record.ts';
import { requirePatron } from '../patron-auth/account.ts';
import { cancelEmailChange, pendingEmailChange, requestEmailChange } from './email-change.ts';
import { type PlaceMyHoldInput, requireContactFor } from './my-library.ts';

/**
 * My Library account verbs: contact details and notice preferences, the digital library card,
 * and suspending a hold. Each acts on the session's patron only and is logged with ids and field
 * names, never the values.
 */

const log = (ctx: Ctx, patronId: string, action: string, details?: Record<string, unknown>) =>
  inTx(ctx, (tx) =>
    recordOperation(tx, ctx, {
      action,
      targetType: 'patron',
      targetId: patronId,
      ...(details ? { details } : {}),
    }),
  );

/** My e-mail, phone and notice preferences (what I can change myself), and an address awaiting its confirmation. */
export async function myContact(ctx: Ctx) {
  const me = requirePatron(ctx);
  const contact = await contactOf(ctx, me.id);
  await log(ctx, me.id, 'patron.viewContact');
  return contact;
}

export type ContactChanges = { email?: string | null; phone?: string | null; emailNotices?: boolean };

/**
 * Change my phone number or whether I get notices by e-mail at once. A new e-mail address waits
 * for the link mailed to it (see email-change.ts); removing the address takes effect at once.
 * `publicUrl` is the base of the confirmation link.
 */
export async function updateMyContact(ctx: Ctx, changes: ContactChanges, publicUrl: string) {
  const me = requirePatron(ctx);
  const { email, ...rest } = changes;
  const set = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  const fields = Object.keys(set);
  if (fields.length === 0 && email === undefined) return contactOf(ctx, me.id);
  await inTx(ctx, async (tx) => {
    const [current] = await tx
      .select({ id: patrons.id, email: patrons.email })
      .from(patrons)
      .where(and(eq(patrons.tenantId, ctx.tenantId), eq(patrons.id, me.id)))
      .for('update');
    if (!current) throw new AppError('unauthenticated');
    if (email !== undefined) await requestEmailChange(tx, ctx, current, email, publicUrl);
    if (fields.length === 0) return;
    await tx
      .update(patrons)
      .set({ ...set, updatedAt: ctx.now() })
      .where(and(eq(patrons.tenantId, ctx.tenantId), eq(patrons.id, me.id)));
    await recordOperation(tx, ctx, {
      action: 'patron.updateContact',
      targetType: 'patron',
      targetId: me.id,
      details: { fields },
    });
  });
  return contactOf(ctx, me.id);
}

/** Drop the address waiting for its confirmation; the current one stays. */
export async function cancelMyEmailChange(ctx: Ctx) {
  const me = requirePatron(ctx);
  await inTx(ctx, (tx) => cancelEmailChange(tx, ctx, me.id));
  return contactOf(ctx, me.id);
}

async function contactOf(ctx: Ctx, patronId: string) {
  const [p] = await ctx.db
    .select({
      email: patrons.email,
      phone: patrons.phone,
      emailNotices: patrons.emailNotices,
      readingHistoryOptIn: patrons.readingHistoryOptIn,
    })
    .from(patrons)
    .where(and(eq(patrons.tenantId, ctx.tenantId), eq(patrons.id, patronId)));
  if (!p) throw new AppError('unauthenticated');
  const pending = await pendingEmailChange(ctx.db, ctx.tenantId, patronId, ctx.now());
  return {
    ...p,
    pendingEmail: pending ? { email: pending.email, expiresAt: pending.expiresAt.toISOString() } : null,
  };
}

/**
 * デジタル利用者カード: the card I logged in with, as the number and the full NW-7 symbol (start +
 * number + check + stop, per the library's barcode settings) for drawing a scannable barcode.
 */
export async function myLibraryCard(ctx: Ctx) {
  const me = requirePatron(ctx);
  const [row] = await ctx.db
    .select({
      barcode: patronCards.barcode,
      name: patrons.name,
      expiresOn: patrons.expiresOn,
      categoryJa: patronCategories.nameJa,
      categoryEn: patronCategories.nameEn,
      settings: tenants.settings,
      libraryJa: tenants.nameJa,
      libraryEn: tenants.nameEn,
    })
    .from(patronCards)
    .innerJoin(patrons, eq(patrons.id, patronCards.patronId))
    .innerJoin(patronCategories, eq(patronCategories.id, patrons.categoryId))
    .innerJoin(tenants, eq(tenants.id, patronCards.tenantId))
    .where(and(eq(patronCards.tenantId, ctx.tenantId), eq(patronCards.id, me.cardId)));
  if (!row) throw new AppError('unauthenticated');
  await log(ctx, me.id, 'patron.viewCard');
  return {
    barcode: row.barcode,
    symbol: cardSymbol(row.barcode, row.settings?.barcodes),
    symbology: 'nw7' as const,
    name: row.name,
    category: { nameJa: row.categoryJa, nameEn: row.categoryEn },
    expiresOn: row.expiresOn,
    library: { nameJa: row.libraryJa, nameEn: row.libraryEn },
  };
}

/** The printed form of a stored card number; without settings (or an odd number) start/stop A. */
function cardSymbol(barcode: string, settings: unknown): string {
  const parsed = BarcodeSettings.safeParse(settings);
  if (parsed.success) {
    const s = parsed.data.patronCard;
    const body =
      s.checkDigit !== 'none' && s.canonicalForm === 'withCheckDigit' ? barcode.slice(0, -1) : barcode;
    try {
      return nw7Symbol(body, s);
    } catch {
      // a number from a migrated system that does not fit today's settings: print it as stored
    }
  }
  return `A${barcode}A`;
}

/** 予約の一時停止: my hold keeps its place but is not served before `until`. */
export async function suspendMyHold(ctx: Ctx, holdId: string, until: string) {
  const me = requirePatron(ctx);
  const today = todayInTokyo(ctx.now());
  if (until <= today || until > addDays(today, 366)) {
    throw new AppError('validation', undefined, [
      { path: 'until', message: 'a day after today, within a year' },
    ]);
  }
  const r = await updateHold(ctx, holdId, { suspendedUntil: until }, { byPatronId: me.id });
  return { holdId: r.holdId, status: r.status, suspendedUntil: until };
}

/** End the suspension of my hold: it is served again in its place. */
export async function resumeMyHold(ctx: Ctx, holdId: string) {
  const me = requirePatron(ctx);
  const r = await updateHold(ctx, holdId, { suspendedUntil: null }, { byPatronId: me.id });
  return { holdId: r.holdId, status: r.status, suspendedUntil: null };
}

/**
 * 予約の変更: where I collect a waiting hold, or how I am told it is ready. A hold whose copy is
 * already set aside keeps its pickup point (the copy is on its way there).
 */
export async function changeMyHold(
  ctx: Ctx,
  holdId: string,
  changes: Partial<Pick<PlaceMyHoldInput, 'pickupLocationId' | 'contactMethod'>>,
) {
  const me = requirePatron(ctx);
  if (changes.pickupLocationId === undefined && changes.contactMethod === undefined)
    throw new AppError('validation', 'nothing to change', [
      { path: 'pickupLocationId', message: 'give a pickup location or a contact method' },
    ]);
  if (changes.contactMethod) await requireContactFor(ctx, me.id, changes.contactMethod);
  const r = await updateHold(ctx, holdId, changes, { byPatronId: me.id });
  return { holdId: r.holdId, status: r.status };
}
