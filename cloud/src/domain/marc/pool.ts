import { and, eq, sql } from 'drizzle-orm';
import { items, marcPoolRecords } from '../../db/schema/index.ts';
import { tenantSettings } from '../admin/tenant-settings.ts';
import { addItemInTx, type ItemInput } from '../catalog/items.ts';
import { isbnKey } from '../catalog/search-text.ts';
import { canonicalScan } from '../circulation/circulation-context.ts';
import { type Ctx, inTx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';
import { recordOperation } from '../oplog/record.ts';
import type { BibFields } from './bib-fields.ts';
import { type MarcFormat, saveIncomingBib } from './import-marc.ts';
import { readIso2709 } from './iso2709-reader.ts';
import { MappingRejection, mapToBib } from './map-to-bib.ts';
import { mappingForImport } from './mapping.ts';
import { readMarcXml } from './marcxml.ts';
import { marcPoolSettingsFrom } from './pool-settings.ts';
import { type ByteSource, dataFields, type MarcRecord } from './record.ts';

function barcodesOf(record: MarcRecord, field: string): string[] {
  const [tag, code] = field.split('$') as [string, string];
  return dataFields(record, tag).flatMap((f) =>
    f.subfields.filter((s) => s.code === code && s.value.trim()).map((s) => s.value.trim()),
  );
}

/** A pool record's identity: its TRC number, else its first source id, else its ISBN. */
function sourceKeyOf(bib: BibFields): string | null {
  if (bib.trcNumber) return `TRC:${bib.trcNumber}`;
  const [first] = Object.entries(bib.sourceIds).filter(([org]) => org !== 'local');
  if (first) return `${first[0]}:${first[1]}`;
  return bib.isbn ? `ISBN:${bib.isbn}` : null;
}

export type PoolLoadReport = {
  processed: number;
  loaded: number;
  rejected: number;
  rejections: { position: number; offset: number; reason: string }[];
};

/**
 * Load a delivery (TRC weekly MARC) into the tenant's pool, apart from the catalogue. A record
 * delivered again replaces its earlier version (same source key); adopted ones keep their link.
 */
export async function loadMarcPool(
  ctx: Ctx,
  input: { source: ByteSource; format: MarcFormat; mapping?: string },
): Promise<PoolLoadReport> {
  requirePermission(ctx, 'catalog.write');
  const settings = await tenantSettings(ctx.db, ctx.tenantId);
  // the delivery's barcodes and the mapping when the load names none: MARCプールの設定
  const pool = marcPoolSettingsFrom(settings);
  const mapping = mappingForImport(input.mapping ?? pool.mapping, settings);
  const barcodeField = pool.barcodeField;
  const report: PoolLoadReport = { processed: 0, loaded: 0, rejected: 0, rejections: [] };
  const reject = (position: number, offset: number, reason: string) => {
    report.rejected++;
    report.rejections.push({ position, offset, reason });
  };
  const rows: (typeof marcPoolRecords.$inferInsert)[] = [];
  const records =
    input.format === 'marcxml'
      ? readMarcXml(input.source)
      : readIso2709(input.source, { encoding: mapping.encoding });
  for await (const r of records) {
    report.processed++;
    if (!r.ok) {
      reject(r.position, r.offset, r.error.reason);
      continue;
    }
    try {
      const { bib } = mapToBib(r.record, mapping);
      const sourceKey = sourceKeyOf(bib);
      if (!sourceKey) {
        reject(r.position, r.offset, 'the record has no TRC number, source id or ISBN to keep it by');
        continue;
      }
      rows.push({
        tenantId: ctx.tenantId,
        sourceKey,
        isbn: bib.isbn,
        barcodes: barcodesOf(r.record, barcodeField),
        bib,
      });
    } catch (e) {
      if (e instanceof MappingRejection) reject(r.position, r.offset, e.message);
      else throw e;
    }
  }
  // a key twice in one delivery: the later record wins
  const byKey = new Map(rows.map((row) => [row.sourceKey, row]));
  await inTx(ctx, async (tx) => {
    const all = [...byKey.values()];
    for (let i = 0; i < all.length; i += 500)
      await tx
        .insert(marcPoolRecords)
        .values(all.slice(i, i + 500))
        .onConflictDoUpdate({
          target: [marcPoolRecords.tenantId, marcPoolRecords.sourceKey],
          set: {
            isbn: sql`excluded.isbn`,
            barcodes: sql`excluded.barcodes`,
            bib: sql`excluded.bib`,
            loadedAt: sql`now()`,
          },
        });
    await recordOperation(tx, ctx, {
      action: 'marcPool.load',
      details: { processed: report.processed, loaded: all.length, rejected: report.rejected },
    });
  });
  report.loaded = byKey.size;
  return report;
}

/** Pool records by ISBN (10 or 13) or by a barcode the supplier put on a copy. */
export async function findInMarcPool(ctx: Ctx, query: { isbn?: string; barcode?: string }) {
  requirePermission(ctx, 'catalog.read');
  const conds = [eq(marcPoolRecords.tenantId, ctx.tenantId)];
  if (query.isbn) {
    const key = isbnKey(query.isbn);
    if (!key)
      throw new AppError('validation', `not an ISBN: ${query.isbn}`, [
        { path: 'isbn', message: 'not an ISBN' },
      ]);
    conds.push(eq(marcPoolRecords.isbn, key));
  } else if (query.barcode) {
    const barcode = await canonicalScan(ctx.db, ctx.tenantId, 'itemLabel', query.barcode);
    conds.push(sql`${marcPoolRecords.barcodes} @> array[${barcode}]::text[]`);
  } else
    throw new AppError('validation', 'give isbn or barcode', [{ path: 'isbn', message: 'isbn or barcode' }]);
  const rows = await ctx.db
    .select()
    .from(marcPoolRecords)
    .where(and(...conds))
    .orderBy(marcPoolRecords.loadedAt)
    .limit(20);
  return rows.map(poolOut);
}

const poolOut = (r: typeof marcPoolRecords.$inferSelect) => ({
  id: r.id,
  sourceKey: r.sourceKey,
  isbn: r.isbn,
  barcodes: r.barcodes,
  title: String(r.bib.title ?? ''),
  titleReading: String(r.bib.titleReading ?? ''),
  authors: (r.bib.authors ?? []) as { name: string; reading?: string }[],
  publisher: String(r.bib.publisher ?? ''),
  pubYear: (r.bib.pubYear ?? null) as number | null,
  loadedAt: r.loadedAt.toISOString(),
  adoptedBibId: r.adoptedBibId,
});

/**
 * 受入: adopt a pool record into the catalogue and add its copies, in one transaction. Adopting
 * again finds the record adopted before (matched by its source ids) and skips copies already on it,
 * so a repeated scan does no harm. A copy without a barcode takes the next one the supplier put on.
 */
export async function adoptFromMarcPool(
  ctx: Ctx,
  poolId: string,
  copies: (Omit<ItemInput, 'barcode'> & { barcode?: string })[],
) {
  requirePermission(ctx, 'catalog.write');
  if (copies.length > 0) requirePermission(ctx, 'items.write');
  return inTx(ctx, async (tx) => {
    const [rec] = await tx
      .select()
      .from(marcPoolRecords)
      .where(and(eq(marcPoolRecords.tenantId, ctx.tenantId), eq(marcPoolRecords.id, poolId)))
      .for('update');
    if (!rec) throw new AppError('notFound', `pool record ${poolId}`);
    const saved = await saveIncomingBib(tx, ctx, rec.bib as BibFields, {
      position: 0,
      mapping: 'pool',
      source: 'marcPool',
    });
    const supplied = [...rec.barcodes];
    const added: string[] = [];
    const skipped: string[] = [];
    for (const copy of copies) {
      const raw = copy.barcode ?? supplied.shift();
      if (!raw)
        throw new AppError('validation', 'a copy needs a barcode (the delivery gave no more)', [
          { path: 'items', message: 'barcode missing' },
        ]);
      const barcode = await canonicalScan(tx, ctx.tenantId, 'itemLabel', raw);
      const [existing] = await tx
        .select({ bibId: items.bibId })
        .from(items)
        .where(and(eq(items.tenantId, ctx.tenantId), eq(items.barcode, barcode)));
      if (existing?.bibId === saved.id) {
        skipped.push(barcode);
        continue;
      }
      const item = await addItemInTx(tx, ctx, saved.id, { ...copy, barcode: raw });
      added.push(item.id);
    }
    await tx.update(marcPoolRecords).set({ adoptedBibId: saved.id }).where(eq(marcPoolRecords.id, rec.id));
    await recordOperation(tx, ctx, {
      action: 'marcPool.adopt',
      targetType: 'bib',
      targetId: saved.id,
      details: { poolId, sourceKey: rec.sourceKey, outcome: saved.outcome, items: added.length, skipped },
    });
    return { bibId: saved.id, outcome: saved.outcome, itemIds: added, skippedBarcodes: skipped };
  });
}
