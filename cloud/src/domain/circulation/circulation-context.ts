import { BarcodeSettings, cleanScan, normalizeScan } from '@bunko/protocols';
import { and, eq, isNull, lt, type SQL, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../db/client.ts';
import {
  bibRecords,
  items,
  loanRules,
  loans,
  locations,
  materialTypes,
  patronCards,
  patronCategories,
  patrons,
  tenants,
} from '../../db/schema/index.ts';
import { AppError } from '../errors.ts';
import type { RuleRow } from '../rules/resolve-rule.ts';

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
  const [tenant] = await tx
    .select({ settings: tenants.settings })
    .from(tenants)
    .where(eq(tenants.id, tenantId));
  const parsed = BarcodeSettings.safeParse(tenant?.settings?.barcodes);
  if (!parsed.success) return cleanScan(raw);
  const result = normalizeScan(raw, parsed.data[kind]);
  if (!result.ok) throw new AppError('badScan', `${result.messageJa} / ${result.messageEn}`);
  return result.value;
}

export async function lockPatronByCard(tx: Tx, tenantId: string, scanned: string) {
  const barcode = await canonicalScan(tx, tenantId, 'patronCard', scanned);
  const [card] = await tx
    .select({ patronId: patronCards.patronId, status: patronCards.status })
    .from(patronCards)
    .where(and(eq(patronCards.tenantId, tenantId), eq(patronCards.barcode, barcode)));
  if (!card) throw new AppError('cardNotFound', `card ${barcode}`);
  if (card.status !== 'active') throw new AppError('cardNotActive');
  return lockPatron(tx, tenantId, card.patronId);
}

/** Locking the patron row serialises two desks serving the same patron, so limits hold. */
export async function lockPatron(tx: Tx, tenantId: string, patronId: string) {
  const [row] = await tx
    .select({ patron: patrons, categoryCode: patronCategories.code })
    .from(patrons)
    .innerJoin(patronCategories, eq(patronCategories.id, patrons.categoryId))
    .where(and(eq(patrons.tenantId, tenantId), eq(patrons.id, patronId)))
    .for('update', { of: patrons });
  if (!row) throw new AppError('cardNotFound');
  return { ...row.patron, categoryCode: row.categoryCode };
}

/** Locking the item row makes two desks checking out one item take turns: exactly one wins. */
export async function lockItemByBarcode(tx: Tx, tenantId: string, scanned: string) {
  const barcode = await canonicalScan(tx, tenantId, 'itemLabel', scanned);
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
  const all = await tx
    .select({
      id: locations.id,
      parentId: locations.parentId,
      kind: locations.kind,
      calendarId: locations.calendarId,
      nameJa: locations.nameJa,
    })
    .from(locations)
    .where(eq(locations.tenantId, tenantId));
  const byId = new Map(all.map((l) => [l.id, l]));
  const chain: typeof all = [];
  for (
    let at = byId.get(locationId);
    at && chain.length < 5;
    at = at.parentId ? byId.get(at.parentId) : undefined
  ) {
    chain.push(at);
  }
  if (chain.length === 0)
    throw new AppError('validation', undefined, [{ path: 'locationId', message: 'unknown location' }]);
  return chain;
}

export async function activeLoanCounts(
  tx: Tx,
  tenantId: string,
  patronId: string,
  today: string,
  blockDays: number | null,
) {
  // one query: loans per material type, and those overdue long enough to block new loans
  const limit = blockDays === null ? null : shiftDay(today, -blockDays);
  const rows = await tx
    .select({
      materialTypeId: items.materialTypeId,
      n: sql<number>`count(*)::int`,
      blocking:
        limit === null
          ? sql<number>`0`
          : sql<number>`(count(*) filter (where ${loans.dueOn} < ${limit}))::int`,
    })
    .from(loans)
    .innerJoin(items, eq(items.id, loans.itemId))
    .where(and(eq(loans.tenantId, tenantId), eq(loans.patronId, patronId), isNull(loans.returnedAt)))
    .groupBy(items.materialTypeId);
  const total = rows.reduce((s, r) => s + r.n, 0);
  const byType = new Map(rows.map((r) => [r.materialTypeId, r.n]));
  const blockingOverdues = rows.reduce((s, r) => s + Number(r.blocking), 0);
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
