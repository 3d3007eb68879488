import { and, eq, inArray } from 'drizzle-orm';
import type { Db, Tx } from '../db/client.ts';
import {
  bibRecords,
  holds,
  items,
  loanRules,
  loans,
  locations,
  materialTypes,
  patronCards,
  patronCategories,
  patrons,
  tenants,
} from '../db/schema/index.ts';
import { addDays, type Day, todayInTokyo } from '../domain/calendar/dates.ts';
import { deferSearchIndex, flushSearchIndex } from '../domain/catalog/reindex-search.ts';
import { bibSearchGrams } from '../domain/catalog/search-text.ts';
import { locationChain } from '../domain/circulation/circulation-context.ts';
import { dueDateAt } from '../domain/circulation/due-date.ts';
import {
  callNumberFor,
  cardBarcode,
  DEMO_ITEM_LABEL,
  DEMO_PATRON_CARD,
  generateBib,
  generatePatron,
  itemBarcode,
  prng,
} from './corpus.ts';

const BATCH = 500;

async function insertBatched<T>(rows: T[], insert: (chunk: T[]) => Promise<unknown>) {
  for (let i = 0; i < rows.length; i += BATCH) await insert(rows.slice(i, i + BATCH));
}

async function codeMap(
  tx: Tx,
  table: typeof materialTypes | typeof patronCategories | typeof locations,
  tenantId: string,
) {
  const rows = await tx
    .select({ id: table.id, code: table.code })
    .from(table)
    .where(eq(table.tenantId, tenantId));
  return new Map(rows.map((r) => [r.code, r.id]));
}

/**
 * The demo library's rules: 2 weeks, 10 items of which at most 3 AV, one renewal, 10 holds,
 * a 7-open-day pickup window, and (no fines, Library Act Art. 17) a block on new loans while
 * anything is overdue. Reference books stay in the building; groups borrow more for longer.
 */
async function seedRules(tx: Tx, tenantId: string) {
  const types = await codeMap(tx, materialTypes, tenantId);
  const cats = await codeMap(tx, patronCategories, tenantId);
  const base = {
    tenantId,
    loanDays: 14,
    maxItems: 10,
    maxRenewals: 1,
    renewalDays: 14,
    maxHolds: 10,
    pickupOpenDays: 7,
    overdueBlockDays: 1,
  };
  await tx.insert(loanRules).values([
    { ...base, noteJa: '基本ルール' },
    { ...base, materialTypeId: types.get('cd')!, maxItems: 3, noteJa: 'CD は3点まで' },
    {
      ...base,
      materialTypeId: types.get('dvd')!,
      maxItems: 3,
      maxRenewals: 0,
      noteJa: 'DVD は3点まで・延長不可',
    },
    { ...base, materialTypeId: types.get('reference')!, loanable: false, noteJa: '参考図書は館内利用のみ' },
    { ...base, materialTypeId: types.get('magazine')!, loanDays: 7, renewalDays: 7, noteJa: '雑誌は1週間' },
    {
      ...base,
      patronCategoryId: cats.get('group')!,
      loanDays: 30,
      maxItems: 100,
      maxRenewals: 0,
      renewalDays: 30,
      maxHolds: 0,
      overdueBlockDays: null,
      noteJa: '団体貸出は30日・100冊',
    },
  ]);
}

export type DemoCollectionOptions = { seed: number; bibs: number; patrons: number; now?: Date };

/**
 * Fill a freshly provisioned demo tenant with a collection, patrons, loan rules and some current
 * circulation (loans, a few overdue, holds) so every screen has something to show.
 */
export async function seedDemoCollection(db: Db, tenantId: string, opts: DemoCollectionOptions) {
  const r = prng(opts.seed);
  const now = opts.now ?? new Date();
  const today = todayInTokyo(now);
  return db.transaction(async (tx) => {
    await deferSearchIndex(tx);
    await tx
      .update(tenants)
      .set({ settings: { barcodes: { patronCard: DEMO_PATRON_CARD, itemLabel: DEMO_ITEM_LABEL } } })
      .where(eq(tenants.id, tenantId));
    await seedRules(tx, tenantId);
    const types = await codeMap(tx, materialTypes, tenantId);
    const cats = await codeMap(tx, patronCategories, tenantId);
    const locs = await codeMap(tx, locations, tenantId);
    const main = locs.get('main')!;
    const bookmobile = locs.get('bm')!;

    const generated = Array.from({ length: opts.bibs }, (_, i) => generateBib(r, i + 1));
    const bibIds: string[] = [];
    await insertBatched(generated, async (chunk) => {
      const rows = await tx
        .insert(bibRecords)
        .values(
          chunk.map((b) => ({
            tenantId,
            title: b.title,
            titleReading: b.titleReading,
            authors: b.authors,
            publisher: b.publisher,
            pubYear: b.pubYear,
            isbn: b.isbn,
            ndc: b.ndc,
            materialTypeId: types.get(b.materialType)!,
            seriesTitle: b.seriesTitle,
            volume: b.volume,
            sourceIds: { isbn: b.isbn },
            searchGrams: bibSearchGrams(b),
          })),
        )
        .returning({ id: bibRecords.id });
      bibIds.push(...rows.map((x) => x.id));
    });
    await flushSearchIndex(tx);

    let itemNo = 0;
    const itemRows = generated.flatMap((b, i) =>
      Array.from({ length: r.chance(0.3) ? 2 : 1 }, () => ({
        tenantId,
        bibId: bibIds[i]!,
        barcode: itemBarcode(++itemNo),
        locationId: r.chance(0.12) ? bookmobile : main,
        shelf: b.materialType === 'picture' ? '児童' : b.materialType === 'local' ? '郷土' : '一般',
        callNumber: callNumberFor(b),
        materialTypeId: types.get(b.materialType)!,
        acquiredOn: `${Math.max(b.pubYear, 2000)}-04-01`,
        price: r.int(8, 40) * 100,
      })),
    );
    const itemIds: string[] = [];
    await insertBatched(itemRows, async (chunk) => {
      const rows = await tx.insert(items).values(chunk).returning({ id: items.id });
      itemIds.push(...rows.map((x) => x.id));
    });

    const patronRows = Array.from({ length: opts.patrons }, () => generatePatron(r, now));
    const patronIds: string[] = [];
    await insertBatched(patronRows, async (chunk) => {
      const rows = await tx
        .insert(patrons)
        .values(
          chunk.map(({ category, ...p }) => ({
            ...p,
            tenantId,
            categoryId: cats.get(category)!,
            expiresOn: addDays(today, r.int(30, 3 * 365)),
            homeLocationId: main,
          })),
        )
        .returning({ id: patrons.id });
      patronIds.push(...rows.map((x) => x.id));
    });
    await insertBatched(
      patronIds.map((patronId, i) => ({ tenantId, patronId, barcode: cardBarcode(i + 1) })),
      (chunk) => tx.insert(patronCards).values(chunk),
    );

    // Current circulation: about one loan per 10 items, some already overdue, and a few holds.
    const mainChain = await locationChain(tx, tenantId, main);
    const loanCount = Math.min(Math.floor(itemIds.length / 10), patronIds.length * 3);
    const lent = new Set<number>();
    const loanRows: (typeof loans.$inferInsert)[] = [];
    const dueCache = new Map<Day, Day>();
    for (let k = 0; k < loanCount; k++) {
      const idx = r.int(0, itemIds.length - 1);
      if (lent.has(idx) || itemRows[idx]!.materialTypeId === types.get('reference')) continue;
      lent.add(idx);
      const loanedOn = addDays(today, -r.int(0, 28));
      let dueOn = dueCache.get(loanedOn);
      if (!dueOn) {
        dueOn = await dueDateAt(tx, tenantId, mainChain, loanedOn, 14);
        dueCache.set(loanedOn, dueOn);
      }
      loanRows.push({
        tenantId,
        itemId: itemIds[idx]!,
        patronId: r.pick(patronIds),
        locationId: main,
        loanedAt: new Date(`${loanedOn}T10:00:00+09:00`),
        dueOn,
      });
    }
    await insertBatched(loanRows, (chunk) => tx.insert(loans).values(chunk));
    await insertBatched([...lent], (chunk) =>
      tx
        .update(items)
        .set({ status: 'onLoan' })
        .where(
          and(
            eq(items.tenantId, tenantId),
            inArray(
              items.id,
              chunk.map((idx) => itemIds[idx]!),
            ),
          ),
        ),
    );
    const holdRows = [...lent].slice(0, 40).map((idx) => ({
      tenantId,
      bibId: itemRows[idx]!.bibId,
      patronId: r.pick(patronIds),
      pickupLocationId: r.chance(0.2) ? locs.get('bm-kabira')! : main,
      contactMethod: r.pick(['email', 'phone', 'none'] as const),
    }));
    await tx.insert(holds).values(holdRows);
    return {
      bibs: bibIds.length,
      items: itemIds.length,
      patrons: patronIds.length,
      loans: loanRows.length,
      holds: holdRows.length,
    };
  });
}
