import { and, eq } from 'drizzle-orm';
import { patronCards, patronCategories, patrons } from '../../db/schema/index.ts';
import { canonicalScan } from '../circulation/circulation-context.ts';
import { type Ctx, inTx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';
import { recordOperation } from '../oplog/record.ts';

/**
 * The counter view shows the minimum: name, category, status, expiry. The full record (address, phone,
 * birth date, e-mail) needs patrons.readFull, and every such view is written to the operation log.
 */
export async function getPatron(ctx: Ctx, id: string, opts: { full: boolean }) {
  requirePermission(ctx, opts.full ? 'patrons.readFull' : 'patrons.read');
  const [p] = await ctx.db
    .select({ patron: patrons, categoryCode: patronCategories.code, categoryJa: patronCategories.nameJa })
    .from(patrons)
    .innerJoin(patronCategories, eq(patronCategories.id, patrons.categoryId))
    .where(and(eq(patrons.tenantId, ctx.tenantId), eq(patrons.id, id)));
  if (!p) throw new AppError('notFound');
  const cards = await ctx.db
    .select({ barcode: patronCards.barcode, status: patronCards.status })
    .from(patronCards)
    .where(and(eq(patronCards.tenantId, ctx.tenantId), eq(patronCards.patronId, id)));
  const minimal = {
    id: p.patron.id,
    name: p.patron.name,
    nameReading: p.patron.nameReading,
    category: { code: p.categoryCode, nameJa: p.categoryJa },
    status: p.patron.status,
    expiresOn: p.patron.expiresOn,
    cards,
  };
  if (!opts.full) return { ...minimal, full: null };
  await inTx(ctx, (tx) =>
    recordOperation(tx, ctx, { action: 'patron.viewFull', targetType: 'patron', targetId: id }),
  );
  const { birthDate, postalCode, address, phone, email, residency, readingHistoryOptIn } = p.patron;
  return {
    ...minimal,
    full: { birthDate, postalCode, address, phone, email, residency, readingHistoryOptIn },
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
  if (card.status !== 'active') throw new AppError('cardNotActive');
  return getPatron(ctx, card.patronId, { full: false });
}
