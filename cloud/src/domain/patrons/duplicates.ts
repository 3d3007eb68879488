import { and, eq, ne } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { patronCards, patronCategories, patrons } from '../../db/schema/index.ts';
import { normalizeForSearch } from '../catalog/search-text.ts';
import { type Ctx, requirePermission } from '../context.ts';

/** A reading as compared: NFKC, hiragana folded to katakana, no spaces or punctuation. */
export const readingKey = (reading: string) => normalizeForSearch(reading);

/** An address as compared: 1丁目2番地3号, 1-2-3 and １－２－３ all read the same. */
export function addressKey(address: string): string {
  const ascii = address.normalize('NFKC').replace(/[‐‑‒–—―ー−－]/g, '-');
  return normalizeForSearch(ascii.replace(/丁目|番地|番|号/g, '-').replace(/-+/g, '-')).replace(/-$/, '');
}

export type DuplicateProbe = { nameReading: string; birthDate?: string | null; address?: string | null };

/**
 * Patrons already registered with the same name reading, birth date and address (when both have
 * one): likely the same person registering twice. Candidates are shown with minimal fields only.
 */
export async function findDuplicateCandidates(
  db: DbOrTx,
  tenantId: string,
  probe: DuplicateProbe,
  exceptId?: string,
) {
  if (!probe.birthDate) return [];
  const rows = await db
    .select({
      id: patrons.id,
      name: patrons.name,
      nameReading: patrons.nameReading,
      address: patrons.address,
      status: patrons.status,
      categoryJa: patronCategories.nameJa,
    })
    .from(patrons)
    .innerJoin(patronCategories, eq(patronCategories.id, patrons.categoryId))
    .where(
      and(
        eq(patrons.tenantId, tenantId),
        eq(patrons.birthDate, probe.birthDate),
        ne(patrons.status, 'deleted'),
        exceptId ? ne(patrons.id, exceptId) : undefined,
      ),
    );
  const reading = readingKey(probe.nameReading);
  const address = probe.address ? addressKey(probe.address) : null;
  const hits = rows.filter(
    (r) =>
      readingKey(r.nameReading) === reading &&
      (address === null || r.address === null || addressKey(r.address) === address),
  );
  const out = [];
  for (const h of hits) {
    const cards = await db
      .select({ barcode: patronCards.barcode })
      .from(patronCards)
      .where(
        and(
          eq(patronCards.tenantId, tenantId),
          eq(patronCards.patronId, h.id),
          eq(patronCards.status, 'active'),
        ),
      );
    out.push({
      id: h.id,
      name: h.name,
      nameReading: h.nameReading,
      categoryJa: h.categoryJa,
      status: h.status,
      cardLast4: cards[0]?.barcode.slice(-4) ?? null,
    });
  }
  return out;
}

/** The check on its own, for the registration form to warn before it is sent. */
export async function checkPatronDuplicates(ctx: Ctx, probe: DuplicateProbe) {
  requirePermission(ctx, 'patrons.write');
  return findDuplicateCandidates(ctx.db, ctx.tenantId, probe);
}
