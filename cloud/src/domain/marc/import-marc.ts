import { and, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { bibRecords, tenants } from '../../db/schema/index.ts';
import { bibSearchGrams } from '../catalog/search-text.ts';
import { type Ctx, inTx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';
import { recordOperation } from '../oplog/record.ts';
import { BIB_FIELD_NAMES, type BibFields, pickBibFields } from './bib-fields.ts';
import { BUNKO_ORG } from './bib-to-marc.ts';
import { readIso2709 } from './iso2709-reader.ts';
import { MappingRejection, mapToBib } from './map-to-bib.ts';
import { InvalidMappingError, resolveMapping, UnknownMappingError } from './mapping.ts';
import { readMarcXml } from './marcxml.ts';
import type { ByteSource } from './record.ts';

export type MarcFormat = 'iso2709' | 'marcxml';
export type ImportCounts = {
  processed: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
};
export type RejectedRecord = { position: number; offset: number; reason: string };
export type ImportReport = ImportCounts & {
  format: MarcFormat;
  mapping: string;
  rejections: RejectedRecord[];
  warnings: { position: number; message: string }[];
};

export type ImportInput = {
  source: ByteSource;
  format: MarcFormat;
  /** a mapping name: 'marc21' (default, JAPAN/MARC included), 'trc', or one the tenant defined */
  mapping?: string;
  onProgress?: (counts: ImportCounts) => void;
  /** call onProgress after every this many records (and once at the end) */
  progressEvery?: number;
};

/** The search index entries of a bib, through the catalogue search's own normalisation. */
export const searchGramsOf = (b: BibFields) =>
  bibSearchGrams({
    title: b.title,
    titleReading: b.titleReading,
    otherTitles: b.otherTitles,
    seriesTitle: b.seriesTitle,
    authors: b.authors,
    publisher: b.publisher,
    subjects: b.subjects,
    isbn: b.isbn,
    ndc: b.ndc,
  });

/** JSON with object keys sorted, so jsonb's key order does not make equal records look different. */
const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : x,
  );

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Import MARC records into the tenant's catalogue. Each record is applied in its own transaction
 * (never half-applied); a record that cannot be read or mapped is rejected with its position and
 * the reason and the import goes on. Matching makes a second import of the same file change
 * nothing: by TRC number, JP number, another source id (001/003, 035), then a unique ISBN.
 */
export async function importMarc(ctx: Ctx, input: ImportInput): Promise<ImportReport> {
  requirePermission(ctx, 'catalog.write');
  const mappingName = input.mapping ?? 'marc21';
  const [tenant] = await ctx.db
    .select({ settings: tenants.settings })
    .from(tenants)
    .where(eq(tenants.id, ctx.tenantId));
  let mapping: ReturnType<typeof resolveMapping>;
  try {
    mapping = resolveMapping(mappingName, tenant?.settings ?? {});
  } catch (e) {
    if (e instanceof UnknownMappingError || e instanceof InvalidMappingError)
      throw new AppError('validation', e.message);
    throw e;
  }
  const report: ImportReport = {
    format: input.format,
    mapping: mappingName,
    processed: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    rejected: 0,
    rejections: [],
    warnings: [],
  };
  const every = input.progressEvery ?? 100;
  const progress = () =>
    input.onProgress?.({
      processed: report.processed,
      created: report.created,
      updated: report.updated,
      unchanged: report.unchanged,
      rejected: report.rejected,
    });
  const reject = (position: number, offset: number, reason: string) => {
    report.rejected++;
    report.rejections.push({ position, offset, reason });
  };

  const records = input.format === 'marcxml' ? readMarcXml(input.source) : readIso2709(input.source);
  // Records go to the database in batches: one transaction per batch, one savepoint per record,
  // so a record that fails rolls back alone (never half-applied) without a commit per record.
  type Pending = { position: number; offset: number; bib: BibFields };
  let batch: Pending[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const todo = batch;
    batch = [];
    const outcomes: (
      | { ok: 'created' | 'updated' | 'unchanged' }
      | { position: number; offset: number; reason: string }
    )[] = [];
    await inTx(ctx, async (tx) => {
      for (const p of todo) {
        try {
          const outcome = await tx.transaction((sp) =>
            applyBib(sp as unknown as Tx, ctx, p.bib, { position: p.position, mapping: mappingName }),
          );
          outcomes.push({ ok: outcome });
        } catch (e) {
          const reason =
            e instanceof AmbiguousMatch
              ? e.message
              : `could not be saved: ${(e as Error).message.split('\n')[0]}`;
          outcomes.push({ position: p.position, offset: p.offset, reason });
        }
      }
    });
    for (const o of outcomes) {
      if ('ok' in o) report[o.ok]++;
      else reject(o.position, o.offset, o.reason);
    }
  };
  for await (const r of records) {
    report.processed++;
    if (!r.ok) reject(r.position, r.offset, r.error.reason);
    else {
      for (const message of r.warnings) report.warnings.push({ position: r.position, message });
      try {
        const { bib, warnings } = mapToBib(r.record, mapping);
        for (const message of warnings) report.warnings.push({ position: r.position, message });
        batch.push({ position: r.position, offset: r.offset, bib });
      } catch (e) {
        if (e instanceof MappingRejection) reject(r.position, r.offset, e.message);
        else throw e;
      }
    }
    if (batch.length >= IMPORT_BATCH) await flush();
    if (report.processed % every === 0) progress();
  }
  await flush();
  report.rejections.sort((a, b) => a.position - b.position);
  progress();
  await inTx(ctx, (tx) =>
    recordOperation(tx, ctx, {
      action: 'marc.import',
      details: {
        format: report.format,
        mapping: report.mapping,
        processed: report.processed,
        created: report.created,
        updated: report.updated,
        unchanged: report.unchanged,
        rejected: report.rejected,
      },
    }),
  );
  return report;
}

class AmbiguousMatch extends Error {}

/** Records per transaction: large enough to amortise commits, small enough to keep locks short. */
const IMPORT_BATCH = 200;

async function findExisting(tx: Tx, tenantId: string, bib: BibFields) {
  const mine = eq(bibRecords.tenantId, tenantId);
  const by = async (cond: ReturnType<typeof eq>) =>
    tx.select().from(bibRecords).where(and(mine, cond)).limit(2).for('update');
  if (bib.trcNumber) {
    const [row] = await by(eq(bibRecords.trcNumber, bib.trcNumber));
    if (row) return row;
  }
  if (bib.jpNumber) {
    const [row] = await by(eq(bibRecords.jpNumber, bib.jpNumber));
    if (row) return row;
  }
  for (const [org, id] of Object.entries(bib.sourceIds)) {
    // "local" means the file did not say whose number it is: too weak to overwrite a record with.
    if (org === 'local') continue;
    if (org === BUNKO_ORG && UUID.test(id)) {
      const [row] = await by(eq(bibRecords.id, id));
      if (row) return row;
    }
    const rows = await by(sql`${bibRecords.sourceIds} @> ${JSON.stringify({ [org]: id })}::jsonb`);
    if (rows.length === 1) return rows[0]!;
  }
  if (bib.isbn) {
    const rows = await by(eq(bibRecords.isbn, bib.isbn));
    if (rows.length > 1)
      throw new AmbiguousMatch(
        `ISBN ${bib.isbn} belongs to several records; cannot tell which one this updates`,
      );
    if (rows[0]) return rows[0];
  }
  return null;
}

async function applyBib(
  tx: Tx,
  ctx: Ctx,
  incoming: BibFields,
  at: { position: number; mapping: string },
): Promise<'created' | 'updated' | 'unchanged'> {
  const existing = await findExisting(tx, ctx.tenantId, incoming);
  if (!existing) {
    const [row] = await tx
      .insert(bibRecords)
      .values({ ...incoming, tenantId: ctx.tenantId, searchGrams: searchGramsOf(incoming) })
      .returning({ id: bibRecords.id });
    await recordOperation(tx, ctx, {
      action: 'bib.create',
      targetType: 'bib',
      targetId: row!.id,
      details: { source: 'marcImport', mapping: at.mapping, position: at.position },
    });
    return 'created';
  }
  // Ids from other sources are kept: a TRC record matched by ISBN keeps its JP number.
  const bib: BibFields = {
    ...incoming,
    sourceIds: { ...existing.sourceIds, ...incoming.sourceIds },
    trcNumber: incoming.trcNumber ?? existing.trcNumber,
    jpNumber: incoming.jpNumber ?? existing.jpNumber,
  };
  const before = pickBibFields(existing);
  const changed = BIB_FIELD_NAMES.filter((k) => canonical(before[k]) !== canonical(bib[k]));
  if (changed.length === 0) return 'unchanged';
  await tx
    .update(bibRecords)
    .set({ ...bib, searchGrams: searchGramsOf(bib), updatedAt: ctx.now() })
    .where(and(eq(bibRecords.tenantId, ctx.tenantId), eq(bibRecords.id, existing.id)));
  await recordOperation(tx, ctx, {
    action: 'bib.update',
    targetType: 'bib',
    targetId: existing.id,
    details: { source: 'marcImport', mapping: at.mapping, position: at.position, fields: changed },
  });
  return 'updated';
}
