import { and, asc, eq, ne } from 'drizzle-orm';
import { patronCards, patronCategories, patrons } from '../../db/schema/index.ts';
import { canonicalScan, refuseBlockedCard } from '../circulation/circulation-context.ts';
import { type Ctx, inTx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';
import { recordOperation } from '../oplog/record.ts';
import { allNotes, openAlerts } from './patron-notes.ts';

/**
 * The counter view shows the minimum: name, category, status, expiry, cards, and the staff alerts
 * for the patron. The full record (address, phone, birth date, e-mail, guardian, suspension, notes)
 * needs patrons.readFull, and every such view is written to the operation log.
 */
export async function getPatron(ctx: Ctx, id: string, opts: { full: boolean }) {
  requirePermission(ctx, opts.full ? 'patrons.readFull' : 'patrons.read');
  const record = await patronRecord(ctx, id, opts);
  if (opts.full) {
    await inTx(ctx, (tx) =>
      recordOperation(tx, ctx, { action: 'patron.viewFull', targetType: 'patron', targetId: id }),
    );
  }
  return record;
}

/** The record itself, for verbs that have checked their own permission and log their own entry. */
export async function patronRecord(ctx: Ctx, id: string, opts: { full: boolean }) {
  const [p] = await ctx.db
    .select({
      patron: patrons,
      categoryCode: patronCategories.code,
      categoryJa: patronCategories.nameJa,
      categoryEn: patronCategories.nameEn,
    })
    .from(patrons)
    .innerJoin(patronCategories, eq(patronCategories.id, patrons.categoryId))
    .where(and(eq(patrons.tenantId, ctx.tenantId), eq(patrons.id, id)));
  if (!p) throw new AppError('notFound');
  const cards = await ctx.db
    .select({ barcode: patronCards.barcode, status: patronCards.status, issuedAt: patronCards.issuedAt })
    .from(patronCards)
    .where(and(eq(patronCards.tenantId, ctx.tenantId), eq(patronCards.patronId, id)))
    .orderBy(asc(patronCards.issuedAt));
  const minimal = {
    id: p.patron.id,
    name: p.patron.name,
    nameReading: p.patron.nameReading,
    category: { code: p.categoryCode, nameJa: p.categoryJa, nameEn: p.categoryEn },
    status: p.patron.status,
    expiresOn: p.patron.expiresOn,
    cards,
    alerts: await openAlerts(ctx.db, ctx.tenantId, id),
  };
  if (!opts.full) return { ...minimal, full: null };
  const related = (where: ReturnType<typeof eq>) =>
    ctx.db
      .select({ id: patrons.id, name: patrons.name, nameReading: patrons.nameReading })
      .from(patrons)
      .where(and(eq(patrons.tenantId, ctx.tenantId), ne(patrons.status, 'deleted'), where));
  const [guardian] = p.patron.guardianId ? await related(eq(patrons.id, p.patron.guardianId)) : [];
  const wards = await related(eq(patrons.guardianId, id));
  const notes = await allNotes(ctx.db, ctx.tenantId, id);
  const { birthDate, postalCode, address, phone, email, residency, readingHistoryOptIn } = p.patron;
  return {
    ...minimal,
    full: {
      birthDate,
      postalCode,
      address,
      phone,
      email,
      residency,
      readingHistoryOptIn,
      emailNotices: p.patron.emailNotices,
      suspensionReason: p.patron.suspensionReason,
      suspendedUntil: p.patron.suspendedUntil,
      guardian: guardian ?? null,
      wards,
      notes,
      registeredAt: p.patron.createdAt,
    },
  };
}

/** Find the patron behind a scanned card; a replaced or lost card says so instead of matching. */
export async function findPatronByCard(ctx: Ctx, scanned: string) {
  requirePermission(ctx, 'patrons.read');
  // the same reading of a scan as checkout's, so a card that lends can also be looked up
  const barcode = await canonicalScan(ctx.db, ctx.tenantId, 'patronCard', scanned);
  const [card] = await ctx.db
    .select({ patronId: patronCards.patronId, status: patronCards.status })
    .from(patronCards)
    .where(and(eq(patronCards.tenantId, ctx.tenantId), eq(patronCards.barcode, barcode)));
  if (!card) throw new AppError('cardNotFound');
  refuseBlockedCard(card.status);
  return getPatron(ctx, card.patronId, { full: false });
}
