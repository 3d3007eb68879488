import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { locations, patronCards, patronCategories, patrons } from '../../db/schema/index.ts';
import { canonicalScan } from '../circulation/circulation-context.ts';
import { AppError, IssueList } from '../errors.ts';
import { foldToKatakana } from '../kana.ts';
import type { RegistrationSettings } from './registration-settings.ts';

/** Readings are katakana (hiragana is accepted and converted), with spaces between names. */
export function katakanaReading(raw: string): string | null {
  const kana = foldToKatakana(raw);
  return /^[\u30a1-\u30fa\u30fc\u30fb ]+$/.test(kana) ? kana : null;
}

export { IssueList };

export async function categoryByCode(db: DbOrTx, tenantId: string, code: string) {
  const [c] = await db
    .select()
    .from(patronCategories)
    .where(and(eq(patronCategories.tenantId, tenantId), eq(patronCategories.code, code)));
  return c ?? null;
}

/** The rules every registration and change keeps, checked together so the form shows them all. */
export async function checkPatronFields(
  db: DbOrTx,
  tenantId: string,
  settings: RegistrationSettings,
  f: {
    selfId?: string;
    categoryCode: string;
    residency: string;
    birthDate: string | null;
    guardianId: string | null;
    homeLocationId?: string | null;
    today: string;
  },
  issues: IssueList,
) {
  const category = await categoryByCode(db, tenantId, f.categoryCode);
  issues.add('categoryCode', 'unknown patron category', !category);
  issues.add(
    'residency',
    `must be one of: ${settings.residencies.map((r) => r.code).join(', ')}`,
    !settings.residencies.some((r) => r.code === f.residency),
  );
  const organization = settings.organizationCategories.includes(f.categoryCode);
  issues.add('birthDate', 'required for a person', !organization && !f.birthDate);
  issues.add('birthDate', 'must not be in the future', Boolean(f.birthDate && f.birthDate > f.today));
  const needsGuardian = settings.guardianCategories.includes(f.categoryCode);
  issues.add(
    'guardianId',
    'a guardian (保護者) is required for this category',
    needsGuardian && !f.guardianId,
  );
  if (f.guardianId) {
    issues.add('guardianId', 'a patron cannot be their own guardian', f.guardianId === f.selfId);
    const [g] = await db
      .select({ status: patrons.status, categoryCode: patronCategories.code })
      .from(patrons)
      .innerJoin(patronCategories, eq(patronCategories.id, patrons.categoryId))
      .where(and(eq(patrons.tenantId, tenantId), eq(patrons.id, f.guardianId)));
    issues.add('guardianId', 'no such patron', !g || g.status === 'deleted');
    issues.add(
      'guardianId',
      'the guardian must be registered in an adult category',
      Boolean(g && settings.guardianCategories.includes(g.categoryCode)),
    );
  }
  if (f.homeLocationId) {
    const [loc] = await db
      .select({ id: locations.id })
      .from(locations)
      .where(and(eq(locations.tenantId, tenantId), eq(locations.id, f.homeLocationId)));
    issues.add('homeLocationId', 'no such location', !loc);
  }
  return category;
}

/** A new card number read like a scan, and not on any card yet (old cards keep their numbers). */
export async function newCardBarcode(db: DbOrTx, tenantId: string, scanned: string, issues: IssueList) {
  let barcode: string;
  try {
    barcode = await canonicalScan(db, tenantId, 'patronCard', scanned);
  } catch (err) {
    if (err instanceof AppError && err.code === 'badScan') {
      issues.add('cardBarcode', err.detail ?? 'not a valid card number');
      return null;
    }
    throw err;
  }
  const [taken] = await db
    .select({ id: patronCards.id })
    .from(patronCards)
    .where(and(eq(patronCards.tenantId, tenantId), eq(patronCards.barcode, barcode)));
  issues.add('cardBarcode', 'this card number is already in use', Boolean(taken));
  return barcode;
}

/** A registration's end: this many years on from today (29 Feb becomes 28 Feb). */
export function expiryFrom(today: string, years: number): string {
  const [y, m, d] = today.split('-').map(Number) as [number, number, number];
  const end = new Date(Date.UTC(y + years, m - 1, d));
  if (end.getUTCMonth() !== m - 1) end.setUTCDate(0);
  return end.toISOString().slice(0, 10);
}
