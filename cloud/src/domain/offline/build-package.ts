import { createHash } from 'node:crypto';
import { BarcodeSettings, type BlockReason, type OfflinePackage } from '@bunko/protocols';
import { and, eq, inArray, isNull, lt, ne, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import {
  bibRecords,
  holds,
  items,
  loanRules,
  loans,
  locations,
  materialTypes,
  patronCards,
  patrons,
  tenants,
} from '../../db/schema/index.ts';
import { addDays, todayInTokyo } from '../calendar/dates.ts';
import { loadCalendar } from '../calendar/load-calendar.ts';
import { locationChain, shiftDay } from '../circulation/circulation-context.ts';
import { type Ctx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';
import { resolveRule } from '../rules/resolve-rule.ts';

/** How far ahead station visits are sent: longer than any loan, so a due date can always be found. */
const VISIT_HORIZON_DAYS = 180;

/**
 * The offline package for one bookmobile: its stations with their visit days, the cards that may
 * not borrow (barcodes and a reason only — no names), and the items it may lend (its own
 * collection, and copies waiting at its stations for holds) with the title for the receipt.
 * Staff download it with `circulation.checkout`; the bookmobile's agent gets it over MQTT.
 */
export async function offlinePackage(
  ctx: Ctx,
  input: { bookmobileId: string; haveVersion?: string | undefined },
): Promise<OfflinePackage | null> {
  requirePermission(ctx, 'circulation.checkout');
  const pkg = await buildPackage(ctx.db, ctx.tenantId, input.bookmobileId, ctx.now());
  return pkg.version === input.haveVersion ? null : pkg;
}

async function buildPackage(db: DbOrTx, tenantId: string, bookmobileId: string, now: Date) {
  const today = todayInTokyo(now);
  const chain = await locationChain(db, tenantId, bookmobileId);
  if (chain[0]!.kind !== 'bookmobile')
    throw new AppError('validation', undefined, [{ path: 'bookmobileId', message: 'not a bookmobile' }]);
  const stationRows = await db
    .select({ id: locations.id, code: locations.code, nameJa: locations.nameJa })
    .from(locations)
    .where(
      and(
        eq(locations.tenantId, tenantId),
        eq(locations.parentId, bookmobileId),
        eq(locations.kind, 'station'),
      ),
    )
    .orderBy(locations.code);
  const calendarId = chain.find((l) => l.calendarId)?.calendarId;
  const calendar = calendarId
    ? await loadCalendar(db, tenantId, calendarId, today, addDays(today, VISIT_HORIZON_DAYS))
    : null;
  const stations = stationRows.map((s) => ({
    locationId: s.id,
    code: s.code,
    nameJa: s.nameJa,
    visits: calendar ? calendar.visitsOf(s.nameJa) : [],
  }));

  const rules = await db.select().from(loanRules).where(eq(loanRules.tenantId, tenantId));
  const chainIds = chain.map((l) => l.id);
  const fallback = resolveRule(rules, {
    patronCategoryId: '',
    materialTypeId: null,
    locationChain: chainIds,
  });
  const loanDays = Math.min(
    ...rules
      .filter((r) => r.loanable && (!r.locationId || chainIds.includes(r.locationId)))
      .map((r) => r.loanDays),
    fallback?.loanDays ?? 14,
  );

  const [tenant] = await db
    .select({ settings: tenants.settings })
    .from(tenants)
    .where(eq(tenants.id, tenantId));
  const barcodes = BarcodeSettings.safeParse(tenant?.settings?.barcodes);

  return seal({
    generatedAt: now.toISOString(),
    bookmobileId,
    barcodes: barcodes.success ? barcodes.data : null,
    loanDays,
    stations,
    blocked: await blockList(db, tenantId, today, rules),
    items: await itemList(
      db,
      tenantId,
      [bookmobileId, ...stations.map((s) => s.locationId)],
      rules,
      chainIds,
    ),
  });
}

/** Cards that may not borrow: lost or replaced cards, suspended or expired registrations, and overdue blocks. */
async function blockList(
  db: DbOrTx,
  tenantId: string,
  today: string,
  rules: { overdueBlockDays: number | null }[],
): Promise<Record<string, BlockReason>> {
  const rows = await db
    .select({
      barcode: patronCards.barcode,
      cardStatus: patronCards.status,
      status: patrons.status,
      expiresOn: patrons.expiresOn,
    })
    .from(patronCards)
    .innerJoin(patrons, eq(patrons.id, patronCards.patronId))
    .where(
      and(
        eq(patronCards.tenantId, tenantId),
        or(ne(patronCards.status, 'active'), ne(patrons.status, 'active'), lt(patrons.expiresOn, today)),
      ),
    );
  const blocked: Record<string, BlockReason> = {};
  for (const r of rows) {
    blocked[r.barcode] =
      r.cardStatus !== 'active'
        ? 'cardNotActive'
        : r.status === 'suspended' || r.status === 'deleted'
          ? 'suspended'
          : 'expired';
  }
  // The shortest overdue block of any rule: the bookmobile only warns on it, staff decide.
  const blockDays = rules.map((r) => r.overdueBlockDays).filter((d): d is number => d !== null);
  if (blockDays.length > 0) {
    const limit = shiftDay(today, -Math.min(...blockDays));
    const overdue = await db
      .selectDistinct({ barcode: patronCards.barcode })
      .from(loans)
      .innerJoin(patronCards, and(eq(patronCards.patronId, loans.patronId), eq(patronCards.status, 'active')))
      .where(and(eq(loans.tenantId, tenantId), isNull(loans.returnedAt), lt(loans.dueOn, limit)));
    for (const o of overdue) blocked[o.barcode] ??= 'overdues';
  }
  return blocked;
}

/** The bookmobile's own copies, and copies trapped for holds to be picked up at its stations. */
async function itemList(
  db: DbOrTx,
  tenantId: string,
  here: string[],
  rules: Parameters<typeof resolveRule>[0],
  chainIds: string[],
): Promise<Record<string, [string, boolean]>> {
  const trapped = db
    .select({ id: holds.itemId })
    .from(holds)
    .where(
      and(
        eq(holds.tenantId, tenantId),
        inArray(holds.pickupLocationId, here),
        inArray(holds.status, ['inTransit', 'available']),
      ),
    );
  const rows = await db
    .select({
      barcode: items.barcode,
      title: bibRecords.title,
      status: items.status,
      materialTypeId: items.materialTypeId,
      typeLoanable: sql<boolean>`coalesce(${materialTypes.loanable}, true)`,
    })
    .from(items)
    .innerJoin(bibRecords, eq(bibRecords.id, items.bibId))
    .leftJoin(materialTypes, eq(materialTypes.id, items.materialTypeId))
    .where(
      and(
        eq(items.tenantId, tenantId),
        ne(items.status, 'withdrawn'),
        or(inArray(items.locationId, here), inArray(items.id, trapped)),
      ),
    );
  const list: Record<string, [string, boolean]> = {};
  for (const r of rows) {
    const rule = resolveRule(rules, {
      patronCategoryId: '',
      materialTypeId: r.materialTypeId,
      locationChain: chainIds,
    });
    const loanable = r.typeLoanable && (rule?.loanable ?? true) && !['missing', 'repair'].includes(r.status);
    list[r.barcode] = [r.title, loanable];
  }
  return list;
}

/** The version is a digest of the content: an unchanged collection gives an unchanged version. */
function seal(content: Omit<OfflinePackage, 'version'>): OfflinePackage {
  const { generatedAt: _, ...stable } = content;
  const version = createHash('sha256').update(JSON.stringify(stable)).digest('hex').slice(0, 24);
  return { version, ...content };
}
