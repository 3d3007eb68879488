import { and, asc, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.ts';
import { bibRecords, items, loans, patronCategories, patrons, tenants } from '../../db/schema/index.ts';
import { type Ctx, inTx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';
import { type CsvEncoding, decodeCsv, encodeCsv, parseCsv, toCsvText } from '../export/csv.ts';
import { recordOperation } from '../oplog/record.ts';
import { returnItem } from './return-item.ts';

/**
 * 団体貸出: a school or facility borrows a box of books under its group card; the school library
 * system lends them on to pupils. The school gets the list as CSV in the layout its system
 * imports, and sends back a CSV of what came back.
 */
export const GROUP_CSV_FIELDS = [
  'itemBarcode',
  'title',
  'titleReading',
  'author',
  'publisher',
  'isbn',
  'ndc',
  'callNumber',
  'loanedOn',
  'dueOn',
] as const;
export type GroupCsvField = (typeof GROUP_CSV_FIELDS)[number];

export const GroupCsvLayout = z.object({
  columns: z
    .array(z.object({ header: z.string().min(1).max(40), field: z.enum(GROUP_CSV_FIELDS) }))
    .min(1)
    .max(20)
    .refine((c) => c.some((x) => x.field === 'itemBarcode'), {
      message: 'the layout needs an itemBarcode column',
    }),
  encoding: z.enum(['cp932', 'utf8bom']).default('cp932'),
});
export type GroupCsvLayout = z.infer<typeof GroupCsvLayout>;

export const DEFAULT_GROUP_CSV_LAYOUT: GroupCsvLayout = {
  columns: [
    { header: '資料番号', field: 'itemBarcode' },
    { header: '書名', field: 'title' },
    { header: '書名ヨミ', field: 'titleReading' },
    { header: '著者', field: 'author' },
    { header: '出版者', field: 'publisher' },
    { header: 'ISBN', field: 'isbn' },
    { header: '分類', field: 'ndc' },
    { header: '請求記号', field: 'callNumber' },
    { header: '貸出日', field: 'loanedOn' },
    { header: '返却期限', field: 'dueOn' },
  ],
  encoding: 'cp932',
};

async function layoutOf(ctx: Ctx): Promise<GroupCsvLayout> {
  const [t] = await ctx.db
    .select({ settings: tenants.settings })
    .from(tenants)
    .where(eq(tenants.id, ctx.tenantId));
  const parsed = GroupCsvLayout.safeParse(t?.settings?.groupLoanCsv);
  return parsed.success ? parsed.data : DEFAULT_GROUP_CSV_LAYOUT;
}

async function groupPatron(ctx: Ctx, patronId: string) {
  const [p] = await ctx.db
    .select({ id: patrons.id, categoryCode: patronCategories.code })
    .from(patrons)
    .innerJoin(patronCategories, eq(patronCategories.id, patrons.categoryId))
    .where(and(eq(patrons.tenantId, ctx.tenantId), eq(patrons.id, patronId)));
  if (!p) throw new AppError('notFound');
  if (p.categoryCode !== 'group')
    throw new AppError('validation', undefined, [{ path: 'patronId', message: 'not a group patron (団体)' }]);
  return p;
}

/** The group's current loans as CSV bytes in the tenant's layout. Operation-logged: it lists loans. */
export async function exportGroupLoans(ctx: Ctx, patronId: string, encoding?: CsvEncoding) {
  requirePermission(ctx, 'patrons.read');
  await groupPatron(ctx, patronId);
  const layout = await layoutOf(ctx);
  const rows = await ctx.db
    .select({
      itemBarcode: items.barcode,
      title: bibRecords.title,
      titleReading: bibRecords.titleReading,
      authors: bibRecords.authors,
      publisher: bibRecords.publisher,
      isbn: bibRecords.isbn,
      ndc: bibRecords.ndc,
      callNumber: items.callNumber,
      loanedAt: loans.loanedAt,
      dueOn: loans.dueOn,
    })
    .from(loans)
    .innerJoin(items, eq(items.id, loans.itemId))
    .innerJoin(bibRecords, eq(bibRecords.id, items.bibId))
    .where(and(eq(loans.tenantId, ctx.tenantId), eq(loans.patronId, patronId), isNull(loans.returnedAt)))
    .orderBy(asc(items.callNumber), asc(items.barcode));
  const value = (r: (typeof rows)[number], f: GroupCsvField): string => {
    switch (f) {
      case 'author':
        return r.authors.map((a) => a.name).join('; ');
      case 'loanedOn':
        return r.loanedAt.toISOString().slice(0, 10);
      default:
        return String(r[f] ?? '');
    }
  };
  const text = toCsvText([
    layout.columns.map((c) => c.header),
    ...rows.map((r) => layout.columns.map((c) => value(r, c.field))),
  ]);
  const enc = encoding ?? layout.encoding;
  const { bytes, replaced } = encodeCsv(text, enc);
  await inTx(ctx, (tx) =>
    recordOperation(tx, ctx, {
      action: 'groupLoan.export',
      targetType: 'patron',
      targetId: patronId,
      details: { items: rows.length },
    }),
  );
  return { bytes, replaced, encoding: enc, count: rows.length };
}

export type GroupReturnProblem = { row: number; barcode: string; reason: string };

/**
 * Returns from a school's CSV: the barcode column is found by the layout's header. Every row is
 * checked first (known item, on loan to this group, not twice in the file); any problem rejects
 * the whole file with each bad row named, so nothing is half-returned. Then all returns happen in
 * one transaction.
 */
export async function importGroupReturns(ctx: Ctx, patronId: string, file: Uint8Array, locationId: string) {
  requirePermission(ctx, 'circulation.return');
  await groupPatron(ctx, patronId);
  const layout = await layoutOf(ctx);
  let rows: string[][];
  try {
    rows = parseCsv(decodeCsv(file));
  } catch (err) {
    throw new AppError('validation', `CSV: ${(err as Error).message}`);
  }
  if (rows.length === 0) throw new AppError('validation', 'CSV: empty file');
  const header = rows[0]!.map((h) => h.trim());
  const barcodeHeader = layout.columns.find((c) => c.field === 'itemBarcode')!.header;
  const col = header.indexOf(barcodeHeader);
  if (col < 0)
    throw new AppError(
      'validation',
      `CSV: no column "${barcodeHeader}" in the header (${header.join(', ')})`,
    );

  const onLoan = new Map(
    (
      await ctx.db
        .select({ barcode: items.barcode })
        .from(loans)
        .innerJoin(items, eq(items.id, loans.itemId))
        .where(and(eq(loans.tenantId, ctx.tenantId), eq(loans.patronId, patronId), isNull(loans.returnedAt)))
    ).map((r) => [r.barcode, true]),
  );
  const problems: GroupReturnProblem[] = [];
  const seen = new Set<string>();
  const barcodes: string[] = [];
  for (const [i, r] of rows.slice(1).entries()) {
    const barcode = (r[col] ?? '').trim();
    const row = i + 2; // 1-based, after the header
    if (barcode === '') problems.push({ row, barcode, reason: '資料番号が空です / empty barcode' });
    else if (seen.has(barcode))
      problems.push({ row, barcode, reason: '同じ資料番号が2回あります / listed twice' });
    else if (!onLoan.has(barcode))
      problems.push({
        row,
        barcode,
        reason: 'この団体に貸出中の資料ではありません / not on loan to this group',
      });
    seen.add(barcode);
    barcodes.push(barcode);
  }
  if (problems.length) {
    throw new AppError(
      'validation',
      `CSV: ${problems.length} row(s) refused; nothing was returned`,
      problems.map((p) => ({
        path: `row ${p.row}`,
        message: `${p.barcode}: ${p.reason}`,
      })),
    );
  }
  // All or nothing: the per-item returns run as savepoints inside one transaction.
  return ctx.db.transaction(async (tx) => {
    const inner: Ctx = { ...ctx, db: tx as unknown as Db };
    const results = [];
    for (const barcode of barcodes)
      results.push(await returnItem(inner, { itemBarcode: barcode, locationId }));
    await recordOperation(tx, ctx, {
      action: 'groupLoan.importReturns',
      targetType: 'patron',
      targetId: patronId,
      details: { items: results.length },
    });
    return {
      returned: results.length,
      trapped: results
        .filter((r) => r.hold)
        .map((r) => ({ itemBarcode: r.itemBarcode, pickupLocationJa: r.hold!.pickupLocationJa })),
    };
  });
}
