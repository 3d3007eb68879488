import { and, asc, eq, ilike, inArray, lt, ne, or, type SQL, sql } from 'drizzle-orm';
import { patronCards, patronCategories, patrons } from '../../db/schema/index.ts';
import { todayInTokyo } from '../calendar/dates.ts';
import { type Ctx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';
import { katakanaReading } from './patron-validation.ts';

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (m) => `\\${m}`);

export type PatronStatusFilter = 'active' | 'suspended' | 'expired';

/**
 * 利用者検索 by name, reading (prefix, hiragana accepted) or card number, and/or by status — the
 * 'expired' filter also finds registrations past their 有効期限 that the daily job has not marked
 * yet. Results carry the minimum (name, reading, category, status, card) — the full record is a
 * separate, logged view.
 */
export async function searchPatrons(
  ctx: Ctx,
  input: { q?: string | undefined; status?: PatronStatusFilter | undefined; limit?: number; offset?: number },
) {
  requirePermission(ctx, 'patrons.read');
  const q = (input.q ?? '').normalize('NFKC').trim();
  if (!q && !input.status) {
    throw new AppError('validation', undefined, [{ path: 'q', message: 'a search text or a status' }]);
  }
  const where: (SQL | undefined)[] = [eq(patrons.tenantId, ctx.tenantId), ne(patrons.status, 'deleted')];
  if (q) where.push(await textCondition(ctx, q));
  if (input.status) where.push(statusCondition(input.status, todayInTokyo(ctx.now())));
  const rows = await ctx.db
    .select({
      id: patrons.id,
      name: patrons.name,
      nameReading: patrons.nameReading,
      status: patrons.status,
      expiresOn: patrons.expiresOn,
      category: {
        code: patronCategories.code,
        nameJa: patronCategories.nameJa,
        nameEn: patronCategories.nameEn,
      },
      card: sql<
        string | null
      >`(select c.barcode from ${patronCards} c where c.tenant_id = ${patrons.tenantId} and c.patron_id = ${patrons.id} and c.status = 'active' order by c.issued_at desc limit 1)`,
    })
    .from(patrons)
    .innerJoin(patronCategories, eq(patronCategories.id, patrons.categoryId))
    .where(and(...where))
    .orderBy(asc(patrons.nameReading), asc(patrons.id))
    .limit(input.limit ?? 50)
    .offset(input.offset ?? 0);
  return rows;
}

async function textCondition(ctx: Ctx, q: string) {
  const reading = katakanaReading(q);
  const byCard = await ctx.db
    .select({ patronId: patronCards.patronId })
    .from(patronCards)
    .where(and(eq(patronCards.tenantId, ctx.tenantId), eq(patronCards.barcode, q)));
  return or(
    ilike(patrons.name, `%${escapeLike(q)}%`),
    ...(reading ? [ilike(patrons.nameReading, `${escapeLike(reading)}%`)] : []),
    ...(byCard.length
      ? [
          inArray(
            patrons.id,
            byCard.map((c) => c.patronId),
          ),
        ]
      : []),
  );
}

function statusCondition(status: PatronStatusFilter, today: string) {
  const pastExpiry = and(eq(patrons.status, 'active'), lt(patrons.expiresOn, today));
  if (status === 'expired') return or(eq(patrons.status, 'expired'), pastExpiry);
  if (status === 'active') return and(eq(patrons.status, 'active'), sql`${patrons.expiresOn} >= ${today}`);
  return eq(patrons.status, 'suspended');
}
