import { and, asc, count, eq, gt } from 'drizzle-orm';
import { bibRecords } from '../../db/schema/index.ts';
import { type Ctx, inTx, requirePermission } from '../context.ts';
import { recordOperation } from '../oplog/record.ts';
import { pickBibFields } from './bib-fields.ts';
import { bibToMarc } from './bib-to-marc.ts';
import type { MarcFormat } from './import-marc.ts';
import { encodeIso2709 } from './iso2709-writer.ts';
import { encodeMarcXmlRecord, MARCXML_HEAD, MARCXML_TAIL } from './marcxml.ts';

const PAGE = 500;

/**
 * The tenant's whole catalogue as MARC 21 in UTF-8 (ISO 2709 or MARCXML), produced page by page so a
 * large catalogue streams in constant memory. The permission is checked and the export logged before
 * the first byte.
 */
export async function exportMarc(
  ctx: Ctx,
  input: { format: MarcFormat },
): Promise<{ records: number; chunks: AsyncIterable<Uint8Array> }> {
  requirePermission(ctx, 'catalog.read');
  const mine = eq(bibRecords.tenantId, ctx.tenantId);
  const [total] = await ctx.db.select({ n: count() }).from(bibRecords).where(mine);
  const records = total?.n ?? 0;
  await inTx(ctx, (tx) =>
    recordOperation(tx, ctx, { action: 'marc.export', details: { format: input.format, records } }),
  );
  async function* chunks(): AsyncGenerator<Uint8Array> {
    if (input.format === 'marcxml') yield Buffer.from(MARCXML_HEAD, 'utf8');
    let after: string | null = null;
    for (;;) {
      const rows = await ctx.db
        .select()
        .from(bibRecords)
        .where(after ? and(mine, gt(bibRecords.id, after)) : mine)
        .orderBy(asc(bibRecords.id))
        .limit(PAGE);
      if (rows.length === 0) break;
      const parts: Buffer[] = [];
      for (const row of rows) {
        const record = bibToMarc({
          ...pickBibFields(row),
          id: row.id,
          createdAt: row.createdAt,
          updatedAt: row.updatedAt,
        });
        parts.push(
          input.format === 'marcxml'
            ? Buffer.from(encodeMarcXmlRecord(record), 'utf8')
            : encodeIso2709(record),
        );
      }
      yield Buffer.concat(parts);
      after = rows[rows.length - 1]!.id;
    }
    if (input.format === 'marcxml') yield Buffer.from(MARCXML_TAIL, 'utf8');
  }
  return { records, chunks: chunks() };
}
