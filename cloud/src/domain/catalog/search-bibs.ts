import { and, count, eq, ilike, or, type SQL, sql } from 'drizzle-orm';
import { bibRecords, items } from '../../db/schema/index.ts';
import { type Ctx, requirePermission } from '../context.ts';

/** Fold what users type into the form records are compared in: NFKC, lower case, katakana. */
export function foldForSearch(s: string): string {
  return s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u3041-\u3096]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) + 0x60));
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (m) => `\\${m}`);

/**
 * A plain substring search over title, reading, authors, publisher and ISBN: every word must match.
 * The Japanese n-gram index replaces this in the catalogue-search work.
 */
export async function searchBibs(ctx: Ctx, input: { q: string; limit: number; offset: number }) {
  requirePermission(ctx, 'catalog.read');
  const words = foldForSearch(input.q).split(/\s+/).filter(Boolean).slice(0, 8);
  const conds: SQL[] = [eq(bibRecords.tenantId, ctx.tenantId)];
  for (const w of words) {
    const p = `%${escapeLike(w)}%`;
    conds.push(
      or(
        ilike(bibRecords.title, p),
        ilike(bibRecords.titleReading, p),
        ilike(sql`${bibRecords.authors}::text`, p),
        ilike(bibRecords.publisher, p),
        ilike(sql`coalesce(${bibRecords.isbn}, '')`, p),
      )!,
    );
  }
  const where = and(...conds);
  const [totalRow] = await ctx.db.select({ n: count() }).from(bibRecords).where(where);
  const rows = await ctx.db
    .select({
      id: bibRecords.id,
      title: bibRecords.title,
      titleReading: bibRecords.titleReading,
      authors: bibRecords.authors,
      publisher: bibRecords.publisher,
      pubYear: bibRecords.pubYear,
      isbn: bibRecords.isbn,
      ndc: bibRecords.ndc,
      itemCount: sql<number>`(select count(*)::int from ${items} i where i.tenant_id = ${bibRecords.tenantId} and i.bib_id = ${bibRecords.id} and i.status <> 'withdrawn')`,
      availableCount: sql<number>`(select count(*)::int from ${items} i where i.tenant_id = ${bibRecords.tenantId} and i.bib_id = ${bibRecords.id} and i.status = 'available')`,
    })
    .from(bibRecords)
    .where(where)
    .orderBy(bibRecords.titleReading, bibRecords.id)
    .limit(input.limit)
    .offset(input.offset);
  return { total: totalRow?.n ?? 0, items: rows };
}
