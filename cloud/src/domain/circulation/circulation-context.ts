import { BarcodeSettings, cleanScan, normalizeScan } from '@bunko/protocols';
import { and, eq, isNull, lt, type SQL, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../db/client.ts';
import {
  bibRecords,
  items,
  loanRules,
  loans,
  materialTypes,
  patronCards,
  patronCategories,
  patrons,
  tenants,
} from '../../db/schema/index.ts';
import { AppError } from '../errors.ts';
import type { RuleRow } from '../rules/resolve-rule.ts';
import { chainIn, type LocationLink, tenantLocations } from './tenant-reference.ts';

/** Rows a circulation verb reads before deciding, locked where two desks could race. */

/**
 * What a reader sent, as the one canonical number stored for the label: the tenant's NW-7 settings
 * strip start/stop and check the check digit, so differently configured readers find the same
 * record and a misread is refused with its reason instead of matching another one.
 */
export async function canonicalScan(
  tx: DbOrTx,
  tenantId: string,
  kind: 'patronCard' | 'itemLabel',
  raw: string,
) {
  const result = (await scanReader(tx, tenantId, kind))(raw);
  if (!result.ok) throw new AppError('badScan', `${result.messageJa} / ${result.messageEn}`);
  return result.value;
}

/**
 * The tenant's barcode settings read once, as a function over many scans (stock-take batches):
 * each gives the canonical number, or the bilingual reason it is refused.
 */
export async function scanReader(tx: DbOrTx, tenantId: string, kind: 'patronCard' | 'itemLabel') {
  const [tenant] = await tx
    .select({ settings: tenants.settings })
    .from(tenants)
    .where(eq(tenants.id, tenantId));
  const parsed = BarcodeSettings.safeParse(tenant?.settings?.barcodes);
  return (raw: string): { ok: true; value: string } | { ok: false; messageJa: string; messageEn: string } => {
    if (!parsed.success) return { ok: true, value: cleanScan(raw) };
    return normalizeScan(raw, parsed.data[kind]);
  };
}

/** canonicalScan with the settings already at hand (null: the tenant has none) */
export function scanWith(settings: BarcodeSettings | null, kind: 'patronCard' | 'itemLabel', raw: string) {
  if (!settings) return cleanScan(raw);
  const result = normalizeScan(raw, settings[kind]);
  if (!result.ok) throw new AppError('badScan', `${result.messageJa} / ${result.messageEn}`);
  return result.value;
}

export async function lockPatronByCard(tx: Tx, tenantId: string, scanned: string) {
  return lockPatronByCanonicalCard(tx, tenantId, await canonicalScan(tx, tenantId, 'patronCard', scanned));
}

/** The card and its patron in one statement, the patron row locked (see lockPatron). */
export async function lockPatronByCanonicalCard(tx: Tx, tenantId: string, barcode: string) {
  const [row] = await tx
    .select({ patron: patrons, categoryCode: patronCategories.code, cardStatus: patronCards.status })
    .from(patronCards)
    .innerJoin(patrons, and(eq(patrons.id, patronCards.patronId), eq(patrons.tenantId, tenantId)))
    .innerJoin(patronCategories, eq(patronCategories.id, patrons.categoryId))
    .where(and(eq(patronCards.tenantId, tenantId), eq(patronCards.barcode, barcode)))
    .for('update', { of: patrons });
  if (!row) throw new AppError('cardNotFound', `card ${barcode}`);
  refuseBlockedCard(row.cardStatus);
  return { ...row.patron, categoryCode: row.categoryCode };
}

/** A card that no longer lends says why: an old card after a reissue, or one reported lost. */
export function refuseBlockedCard(status: 'active' | 'lost' | 'replaced'): void {
  if (status === 'replaced') throw new AppError('cardReplaced');
  if (status === 'lost') throw new AppError('cardLost');
}

/** Locking the patron row serialises two desks serving the same patron, so limits hold. */
export async function lockPatron(tx: Tx, tenantId: string, patronId: string) {
  const row = await lockPatronWhere(tx, tenantId, eq(patrons.id, patronId));
  if (!row) throw new AppError('cardNotFound');
  return row;
}

/** lockPatron by any condition on patrons (e.g. "the patron of this item's open loan"); null if none */
export async function lockPatronWhere(tx: Tx, tenantId: string, which: SQL) {
  const [row] = await tx
    .select({ patron: patrons, categoryCode: patronCategories.code })
    .from(patrons)
    .innerJoin(patronCategories, eq(patronCategories.id, patrons.categoryId))
    .where(and(eq(patrons.tenantId, tenantId), which))
    .for('update', { of: patrons });
  return row ? { ...row.patron, categoryCode: row.categoryCode } : null;
}

/** Locking the item row makes two desks checking out one item take turns: exactly one wins. */
export async function lockItemByBarcode(tx: Tx, tenantId: string, scanned: string) {
  return lockItemByCanonical(tx, tenantId, await canonicalScan(tx, tenantId, 'itemLabel', scanned));
}

export function lockItemByCanonical(tx: Tx, tenantId: string, barcode: string) {
  return lockItem(tx, tenantId, eq(items.barcode, barcode), `item ${barcode}`);
}

export function lockItemById(tx: Tx, tenantId: string, id: string) {
  return lockItem(tx, tenantId, eq(items.id, id), `item ${id}`);
}

async function lockItem(tx: Tx, tenantId: string, which: SQL, label: string) {
  const [row] = await tx
    .select({
      item: items,
      bibTitle: bibRecords.title,
      ndc: bibRecords.ndc,
      typeCode: materialTypes.code,
      typeLoanable: materialTypes.loanable,
    })
    .from(items)
    .innerJoin(bibRecords, eq(bibRecords.id, items.bibId))
    .leftJoin(materialTypes, eq(materialTypes.id, items.materialTypeId))
    .where(and(eq(items.tenantId, tenantId), which))
    .for('update', { of: items });
  if (!row) throw new AppError('itemNotFound', label);
  return {
    ...row.item,
    title: row.bibTitle,
    ndc: row.ndc,
    typeCode: row.typeCode,
    typeLoanable: row.typeLoanable ?? true,
  };
}

export async function tenantRules(tx: Tx, tenantId: string): Promise<RuleRow[]> {
  return tx.select().from(loanRules).where(eq(loanRules.tenantId, tenantId));
}

/** The location and its parents, nearest first (a station, then its bookmobile). */
export async function locationChain(tx: DbOrTx, tenantId: string, locationId: string) {
  const all = await tenantLocations(tx, tenantId);
  return knownChain(new Map(all.map((l) => [l.id, l])), locationId);
}

/** chainIn, refusing a location the tenant does not have */
export function knownChain(all: ReadonlyMap<string, LocationLink>, locationId: string) {
  const chain = chainIn(all, locationId);
  if (chain.length === 0)
    throw new AppError('validation', undefined, [{ path: 'locationId', message: 'unknown location' }]);
  return chain;
}

/**
 * A patron's open loans by material type and due date (a handful of rows), so the limits and the
 * overdue block can be counted for any rule afterwards. `patron` picks the patron, e.g.
 * "the holder of this card", so the query can go out before the patron's id is known.
 */
export function openLoansOf(tx: Tx, tenantId: string, patron: SQL) {
  return tx
    .select({ materialTypeId: items.materialTypeId, dueOn: loans.dueOn, n: sql<number>`count(*)::int` })
    .from(loans)
    .innerJoin(items, eq(items.id, loans.itemId))
    .where(and(eq(loans.tenantId, tenantId), patron, isNull(loans.returnedAt)))
    .groupBy(items.materialTypeId, loans.dueOn);
}

/** Loans per material type, and those overdue long enough (blockDays) to block new loans. */
export function countLoans(
  rows: readonly { materialTypeId: string | null; dueOn: string; n: number }[],
  today: string,
  blockDays: number | null,
) {
  const limit = blockDays === null ? null : shiftDay(today, -blockDays);
  const byType = new Map<string | null, number>();
  let total = 0;
  let blockingOverdues = 0;
  for (const r of rows) {
    total += r.n;
    byType.set(r.materialTypeId, (byType.get(r.materialTypeId) ?? 0) + r.n);
    if (limit !== null && r.dueOn < limit) blockingOverdues += r.n;
  }
  return { total, byType, blockingOverdues };
}

export async function hasOverdue(tx: Tx, tenantId: string, patronId: string, today: string) {
  const [o] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(loans)
    .where(
      and(
        eq(loans.tenantId, tenantId),
        eq(loans.patronId, patronId),
        isNull(loans.returnedAt),
        lt(loans.dueOn, today),
      ),
    );
  return (o?.n ?? 0) > 0;
}

/** `YYYY-MM-DD` plus n days, with no time zone involved. */
export function shiftDay(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}
