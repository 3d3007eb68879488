import { randomUUID } from 'node:crypto';
import { and, eq, getTableColumns, inArray, type SQL, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { resultRows } from '../../db/result-rows.ts';
import { bibRecords } from '../../db/schema/index.ts';
import { tenantSettings } from '../admin/tenant-settings.ts';
import { deferSearchIndex, flushSearchIndex } from '../catalog/reindex-search.ts';
import { bibSearchGrams } from '../catalog/search-text.ts';
import { type Ctx, inTx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';
import { recordOperation, recordOperations } from '../oplog/record.ts';
import { BIB_FIELD_NAMES, type BibFields, pickBibFields } from './bib-fields.ts';
import { BUNKO_ORG } from './bib-to-marc.ts';
import { isKnownEncoding, looksUnimarcLayout } from './charset.ts';
import { readIso2709 } from './iso2709-reader.ts';
import { MappingRejection, mapToBib } from './map-to-bib.ts';
import { mappingForImport } from './mapping.ts';
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
  /**
   * a mapping name: 'marc21' (JAPAN/MARC included), 'trc', 'unimarc', or one the tenant defined;
   * without one, the first record decides: 'unimarc' when it has 100 and 200 and no 245, else 'marc21'
   */
  mapping?: string;
  /** the file's character set when the records cannot tell it (ISO 2709 only): 'cp866', 'utf-8', … */
  encoding?: string;
  onProgress?: (counts: ImportCounts) => void;
  /** call onProgress after every this many records (and once at the end) */
  progressEvery?: number;
  /** records per transaction (default IMPORT_BATCH) */
  batchSize?: number;
  /** skip the file's records up to this position: a job resuming after its last committed batch */
  resumeAfter?: number;
  /** called in each batch's transaction, after its writes: what the caller writes with `tx` commits with the batch */
  onBatch?: (tx: Tx, done: ImportThrough) => Promise<void>;
};

/** The search index entries of a bib, through the catalogue search's own normalisation. */
export const searchGramsOf = (b: BibFields) =>
  bibSearchGrams({
    title: b.title,
    titleReading: b.titleReading,
    pubYear: b.pubYear,
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
 * Import MARC records into the tenant's catalogue, a batch of records per transaction, each
 * record applied whole or not at all (never half-applied); a record that cannot be read or mapped is rejected with its position and
 * the reason and the import goes on. Matching makes a second import of the same file change
 * nothing: by TRC number, JP number, another source id (001/003, 035), then a unique ISBN among
 * the records that carry no other id of the incoming record's schemes (see isbnMayMatch).
 */
export async function importMarc(ctx: Ctx, input: ImportInput): Promise<ImportReport> {
  requirePermission(ctx, 'catalog.write');
  if (input.encoding !== undefined && !isKnownEncoding(input.encoding))
    throw new AppError(
      'validation',
      `unknown encoding "${input.encoding}" (e.g. utf-8, cp866, windows-1251)`,
    );
  const settings = await tenantSettings(ctx.db, ctx.tenantId);
  const resolve = (name: string) => mappingForImport(name, settings);
  // without a mapping named, the first record read decides (and every later one follows it)
  let mappingName = input.mapping ?? 'marc21';
  let mapping = resolve(mappingName);
  let undecided = input.mapping === undefined;
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

  const encoding = input.encoding ?? (input.mapping === undefined ? undefined : mapping.encoding);
  const records =
    input.format === 'marcxml' ? readMarcXml(input.source) : readIso2709(input.source, { encoding });
  // Records go to the database in batches: one transaction per batch. The batch is matched with one
  // query and written with one statement per kind of change; if the database refuses that, each
  // record of the batch goes again in a savepoint of its own, so a record that fails rolls back
  // alone (never half-applied) and takes no other record with it.
  let batch: Pending[] = [];
  let analyzeAt = 1_000;
  // the library's size as the planner believes it now: statistics go stale only when an import
  // outgrows it (a weekly delivery into a grown library never does)
  const plannedAtStart = await plannerRows(
    ctx,
    sql`select 1 from bib_records where tenant_id = ${ctx.tenantId}`,
  );
  let plannedRows = plannedAtStart;
  const flush = async () => {
    if (batch.length === 0) return;
    const todo = batch;
    batch = [];
    const outcomes: (
      | { ok: 'created' | 'updated' | 'unchanged' }
      | { position: number; offset: number; reason: string }
    )[] = [];
    await inTx(ctx, async (tx) => {
      await deferSearchIndex(tx);
      let rest = todo;
      try {
        const applied = await tx.transaction((sp) => applyBatch(sp as unknown as Tx, ctx, todo, mappingName));
        rest = [];
        for (const p of todo) {
          const outcome = applied.get(p.position);
          if (outcome === undefined) rest.push(p);
          else if (typeof outcome === 'string') outcomes.push({ ok: outcome });
          else outcomes.push({ position: p.position, offset: p.offset, reason: outcome.rejected });
        }
      } catch {
        rest = todo;
      }
      for (const p of rest) {
        try {
          const saved = await tx.transaction((sp) =>
            saveIncomingBib(sp as unknown as Tx, ctx, p.bib, { position: p.position, mapping: mappingName }),
          );
          outcomes.push({ ok: saved.outcome });
        } catch (e) {
          const reason =
            e instanceof AmbiguousMatch
              ? e.message
              : `could not be saved: ${databaseMessage(e).split('\n')[0]}`;
          outcomes.push({ position: p.position, offset: p.offset, reason });
        }
      }
      await flushSearchIndex(tx);
      await input.onBatch?.(tx, reportThrough(report, todo, outcomes, input.resumeAfter ?? 0));
    });
    for (const o of outcomes) {
      if ('ok' in o) report[o.ok]++;
      else reject(o.position, o.offset, o.reason);
    }
    // A library's first large import (a new library, a migration) grows its catalogue faster than
    // the statistics follow: the planner, still seeing almost no rows for the library, matches ISBNs
    // through any index that starts with the library (reading every record of it per ISBN; the match
    // query went from 0.3 to over 1 s a batch within 20,000 records). Statistics are taken again at
    // 1,000 records created, then at 10,000, 100,000 … — when the import has at least doubled the
    // library the planner knows. Only the columns a batch is matched by (a whole analyze also
    // samples the search grams: 1 s at 400,000 records, against 0.2 s).
    if (report.created >= analyzeAt) {
      analyzeAt *= 10;
      if (report.created >= plannedRows) {
        await ctx.db.execute(sql`analyze bib_records (tenant_id, isbn, trc_number, jp_number)`);
        plannedRows = plannedAtStart + 2 * report.created; // doubled again from what it knows now
      }
    }
  };
  // The next batch is read and mapped while the database writes the one before (with PostgreSQL
  // the two run on different cores); one batch is written at a time, in file order.
  let writing: Promise<void> = Promise.resolve();
  try {
    for await (const r of records) {
      if (r.position <= (input.resumeAfter ?? 0)) continue;
      report.processed++;
      if (!r.ok) reject(r.position, r.offset, r.error.reason);
      else {
        for (const message of r.warnings) report.warnings.push({ position: r.position, message });
        if (undecided) {
          undecided = false;
          if (looksUnimarcLayout(new Set(r.record.fields.map((f) => f.tag)))) {
            mappingName = report.mapping = 'unimarc';
            mapping = resolve(mappingName);
          }
        }
        try {
          const { bib, warnings } = mapToBib(r.record, mapping);
          for (const message of warnings) report.warnings.push({ position: r.position, message });
          // the grams now, while the batch before is being written (an update keeps them: merging
          // changes only ids, which are not indexed)
          batch.push({ position: r.position, offset: r.offset, bib, grams: searchGramsOf(bib) });
        } catch (e) {
          if (e instanceof MappingRejection) reject(r.position, r.offset, e.message);
          else throw e;
        }
      }
      if (batch.length >= (input.batchSize ?? IMPORT_BATCH)) {
        await writing;
        writing = flush();
        writing.catch(() => {}); // awaited before the next batch, or below
      }
      if (report.processed % every === 0) progress();
    }
  } catch (e) {
    await writing.catch(() => {});
    throw e;
  }
  await writing;
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

/** How many rows the planner expects a query to return (its estimate, from the statistics). */
async function plannerRows(ctx: Ctx, query: SQL): Promise<number> {
  const [row] = resultRows<Record<string, unknown>>(
    await ctx.db.execute(sql`explain (format json) ${query}`),
  );
  const plan = Object.values(row ?? {})[0];
  const json = (typeof plan === 'string' ? JSON.parse(plan) : plan) as { Plan: { 'Plan Rows': number } }[];
  return json[0]?.Plan['Plan Rows'] ?? 0;
}

/** The report as it stands once a batch commits: counts and rejections through its last record. */
export type ImportThrough = ImportCounts & { through: number; rejections: RejectedRecord[] };

function reportThrough(
  report: ImportReport,
  batch: Pending[],
  outcomes: ({ ok: 'created' | 'updated' | 'unchanged' } | RejectedRecord)[],
  resumeAfter: number,
): ImportThrough {
  const through = batch[batch.length - 1]!.position;
  const rejections = [
    ...report.rejections.filter((r) => r.position <= through),
    ...outcomes.filter((o): o is RejectedRecord => !('ok' in o)),
  ].sort((a, b) => a.position - b.position);
  const count = (k: 'created' | 'updated' | 'unchanged') =>
    report[k] + outcomes.filter((o) => 'ok' in o && o.ok === k).length;
  return {
    through,
    // positions count every record of the file, read or rejected, from 1
    processed: through - resumeAfter,
    created: count('created'),
    updated: count('updated'),
    unchanged: count('unchanged'),
    rejected: rejections.length,
    rejections,
  };
}

class AmbiguousMatch extends Error {}
const ambiguousIsbn = (isbn: string) =>
  `ISBN ${isbn} belongs to several records; cannot tell which one this updates`;

/** The database's own words for a refused statement (Drizzle wraps them in the whole query text). */
const databaseMessage = (e: unknown): string => {
  const cause = (e as { cause?: unknown }).cause;
  return cause instanceof Error ? cause.message : (e as Error).message;
};

/**
 * A record's ids by scheme: its TRC number, its JP number, and each source id by the organisation
 * that gave it ("local" too: within one file, an unlabelled 001 is still one numbering).
 */
function idsByScheme(bib: Pick<BibFields, 'trcNumber' | 'jpNumber' | 'sourceIds'>): Map<string, string> {
  const ids = new Map<string, string>(Object.entries(bib.sourceIds).map(([org, id]) => [`src:${org}`, id]));
  if (bib.trcNumber) ids.set('src:TRC', bib.trcNumber);
  if (bib.jpNumber) ids.set('jp', bib.jpNumber);
  return ids;
}

/**
 * Whether an existing record may be the incoming one by ISBN: not when it carries a different id of
 * a scheme the incoming record has an id of (two TRC numbers, two JP numbers: a set, its volumes or
 * a reprint sharing one ISBN are different records). A record with no id of that scheme (entered by
 * hand, or from another source) is adopted.
 */
function isbnMayMatch(
  existing: Pick<BibFields, 'trcNumber' | 'jpNumber' | 'sourceIds'>,
  incoming: BibFields,
) {
  const theirs = idsByScheme(existing);
  for (const [scheme, id] of idsByScheme(incoming)) {
    const other = theirs.get(scheme);
    if (other !== undefined && other !== id) return false;
  }
  return true;
}

/** The keys findExisting matches a record by, as strings (to find repeats within a batch). */
function matchKeys(bib: Pick<BibFields, 'trcNumber' | 'jpNumber' | 'sourceIds' | 'isbn'>): string[] {
  const keys: string[] = [];
  if (bib.trcNumber) keys.push(`trc:${bib.trcNumber}`);
  if (bib.jpNumber) keys.push(`jp:${bib.jpNumber}`);
  for (const [org, id] of Object.entries(bib.sourceIds))
    if (org !== 'local') keys.push(`src:${JSON.stringify([org, id])}`);
  if (bib.isbn) keys.push(`isbn:${bib.isbn}`);
  return keys;
}

type Pending = { position: number; offset: number; bib: BibFields; grams: string[] };

/** Records per transaction: large enough to amortise commits and index merges, small enough to keep locks short. */
const IMPORT_BATCH = 2500;

/** A bib row as matching and comparing need it: without the search grams (a hundred entries). */
const { searchGrams: _grams, ...MATCHED_COLUMNS } = getTableColumns(bibRecords);
type BibRow = Omit<typeof bibRecords.$inferSelect, 'searchGrams'>;

/** The rows findExisting could return for any record of the batch, locked, with the maps to find them by. */
async function candidates(tx: Tx, tenantId: string, bibs: BibFields[]) {
  const pick = (f: (b: BibFields) => string | null | undefined) => [
    ...new Set(bibs.map(f).filter((v): v is string => !!v)),
  ];
  const sourceIds = new Map<string, [string, string]>();
  for (const b of bibs)
    for (const [org, id] of Object.entries(b.sourceIds))
      if (org !== 'local') sourceIds.set(JSON.stringify([org, id]), [org, id]);
  const ownIds = [...sourceIds.values()]
    .filter(([org, id]) => org === BUNKO_ORG && UUID.test(id))
    .map(([, id]) => id);
  const trc = pick((b) => b.trcNumber);
  const jp = pick((b) => b.jpNumber);
  const isbn = pick((b) => b.isbn);
  const probes = [...sourceIds.values()].map(([org, id]) => ({ [org]: id }));
  // One index probe per key, each in a lateral subquery fenced by offset 0: with stale statistics
  // (PGlite never analyses by itself) a plain OR or `= any(…)` is planned as a scan of the whole
  // tenant checked against every key, which grows with the catalogue.
  const byKey = (column: string, values: string[]) =>
    sql`select b.id from jsonb_array_elements_text(${JSON.stringify(values)}::jsonb) as k(v)
      cross join lateral (
        select id from bib_records where tenant_id = ${tenantId} and ${sql.raw(column)} = k.v offset 0
      ) as b`;
  const found = resultRows<{ id: string }>(
    await tx.execute(sql`
      ${byKey('trc_number', trc)} union ${byKey('jp_number', jp)} union ${byKey('isbn', isbn)}
      union
      select b.id from jsonb_array_elements(${JSON.stringify(probes)}::jsonb) as p(v)
      cross join lateral (
        select id from bib_records where tenant_id = ${tenantId} and source_ids @> p.v offset 0
      ) as b`),
  ).map((r) => r.id);
  const ids = [...new Set([...ownIds, ...found])];
  // only this library's rows: a Bunko id from another library's export names a record there, which
  // this import must neither match nor lock
  const rows =
    ids.length === 0
      ? []
      : await tx
          .select(MATCHED_COLUMNS)
          .from(bibRecords)
          .where(and(eq(bibRecords.tenantId, tenantId), inArray(bibRecords.id, ids)))
          .for('update');
  const seen = new Map<string, BibRow[]>();
  const add = (k: string, row: BibRow) => {
    const list = seen.get(k);
    if (list) list.push(row);
    else seen.set(k, [row]);
  };
  for (const row of rows) {
    if (row.trcNumber) add(`trc:${row.trcNumber}`, row);
    if (row.jpNumber) add(`jp:${row.jpNumber}`, row);
    if (row.isbn) add(`isbn:${row.isbn}`, row);
    add(`id:${row.id}`, row);
    for (const [org, id] of Object.entries(row.sourceIds)) add(`src:${JSON.stringify([org, id])}`, row);
  }
  return (k: string) => seen.get(k) ?? [];
}

/** Every row any lookup of findExisting would see for this record (not only the one it returns). */
function lookups(bib: BibFields): string[] {
  const keys: string[] = [];
  if (bib.trcNumber) keys.push(`trc:${bib.trcNumber}`);
  if (bib.jpNumber) keys.push(`jp:${bib.jpNumber}`);
  for (const [org, id] of Object.entries(bib.sourceIds)) {
    if (org === 'local') continue;
    if (org === BUNKO_ORG && UUID.test(id)) keys.push(`id:${id}`);
    keys.push(`src:${JSON.stringify([org, id])}`);
  }
  if (bib.isbn) keys.push(`isbn:${bib.isbn}`);
  return keys;
}

/** findExisting over the batch's candidate rows: the same answer, in the same order of keys; 'ambiguous' where it throws. */
function matchIn(rowsBy: (k: string) => BibRow[], bib: BibFields): BibRow | null | 'ambiguous' {
  if (bib.trcNumber) {
    const [row] = rowsBy(`trc:${bib.trcNumber}`);
    if (row) return row;
  }
  if (bib.jpNumber) {
    const [row] = rowsBy(`jp:${bib.jpNumber}`);
    if (row) return row;
  }
  for (const [org, id] of Object.entries(bib.sourceIds)) {
    if (org === 'local') continue;
    if (org === BUNKO_ORG && UUID.test(id)) {
      const [row] = rowsBy(`id:${id}`);
      if (row) return row;
    }
    const rows = rowsBy(`src:${JSON.stringify([org, id])}`);
    if (rows.length === 1) return rows[0]!;
  }
  if (bib.isbn) {
    const rows = rowsBy(`isbn:${bib.isbn}`).filter((row) => isbnMayMatch(row, bib));
    if (rows.length > 1) return 'ambiguous';
    if (rows[0]) return rows[0];
  }
  return null;
}

/** After this many rounds a batch's remaining chains of related records go record by record. */
const MAX_ROUNDS = 4;

/**
 * Apply a batch with one query to match and one statement per kind of write. Records that depend
 * on one another — they share a match key, or a lookup of each sees the same existing row — form a
 * chain and must go in file order; records of different chains commute (what saveIncomingBib does
 * with one does not depend on the other), so the batch goes in rounds: round k applies the k-th
 * record of every chain, matched against the rows as the earlier rounds left them. The rows, search
 * index and log are those of saving record by record. A record that matches several records by ISBN
 * is rejected as saveIncomingBib rejects it, and its chain goes on; a chain longer than MAX_ROUNDS
 * is left from there on for saveIncomingBib (file order). The outcome of each record applied or
 * rejected is returned by position.
 */
async function applyBatch(
  tx: Tx,
  ctx: Ctx,
  batch: Pending[],
  mapping: string,
): Promise<Map<number, 'created' | 'updated' | 'unchanged' | { rejected: string }>> {
  const applied = new Map<number, 'created' | 'updated' | 'unchanged' | { rejected: string }>();
  const firstRows = await candidates(
    tx,
    ctx.tenantId,
    batch.map((p) => p.bib),
  );
  // chains: union-find over the records, joined by a shared match key or a shared seen row
  const parent = batch.map((_, i) => i);
  const root = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  const firstBy = new Map<string, number>();
  for (const [i, p] of batch.entries()) {
    const seen = lookups(p.bib).flatMap((k) => firstRows(k).map((r) => `row:${r.id}`));
    for (const link of [...matchKeys(p.bib), ...seen]) {
      const j = firstBy.get(link);
      if (j === undefined) firstBy.set(link, i);
      else parent[root(i)] = root(j);
    }
  }
  const chains = new Map<number, Pending[]>();
  for (const [i, p] of batch.entries()) {
    const chain = chains.get(root(i));
    if (chain) chain.push(p);
    else chains.set(root(i), [p]);
  }
  const log: Parameters<typeof recordOperations>[2] = [];
  let open = [...chains.values()];
  for (let round = 0; round < MAX_ROUNDS && open.length > 0; round++) {
    const subset = open.map((chain) => chain[round]!);
    const rowsBy =
      round === 0
        ? firstRows
        : await candidates(
            tx,
            ctx.tenantId,
            subset.map((p) => p.bib),
          );
    const creates: Pending[] = [];
    const updates: Update[] = [];
    for (const p of subset) {
      const existing = matchIn(rowsBy, p.bib);
      if (existing === 'ambiguous') applied.set(p.position, { rejected: ambiguousIsbn(p.bib.isbn!) });
      else if (!existing) {
        creates.push(p);
        applied.set(p.position, 'created');
      } else {
        const { bib, changed } = mergeIncoming(existing, p.bib);
        if (changed.length === 0) applied.set(p.position, 'unchanged');
        else {
          updates.push({ p, id: existing.id, bib, fields: changed });
          applied.set(p.position, 'updated');
        }
      }
    }
    await writeRound(tx, ctx, mapping, creates, updates, log);
    open = open.filter((chain) => chain.length > round + 1);
  }
  log.sort(
    (a, b) => (a.details as { position: number }).position - (b.details as { position: number }).position,
  );
  await recordOperations(tx, ctx, log);
  return applied;
}

type Update = { p: Pending; id: string; bib: BibFields; fields: string[] };

/** One round's creates and updates, one statement each; their log entries are added to `log`. */
async function writeRound(
  tx: Tx,
  ctx: Ctx,
  mapping: string,
  creates: Pending[],
  updates: Update[],
  log: Parameters<typeof recordOperations>[2],
) {
  if (creates.length > 0) {
    const ids = creates.map(() => randomUUID());
    await insertMany(
      tx,
      ctx,
      creates.map((p, i) => ({ id: ids[i]!, bib: p.bib, grams: p.grams })),
    );
    for (const [i, id] of ids.entries())
      log.push({
        action: 'bib.create',
        targetType: 'bib',
        targetId: id,
        details: { source: 'marcImport', mapping, position: creates[i]!.position },
      });
  }
  if (updates.length > 0) {
    await updateMany(
      tx,
      ctx,
      updates.map((u) => ({ id: u.id, bib: u.bib, grams: u.p.grams })),
    );
    for (const u of updates)
      log.push({
        action: 'bib.update',
        targetType: 'bib',
        targetId: u.id,
        details: { source: 'marcImport', mapping, position: u.p.position, fields: u.fields },
      });
  }
}

/** The columns an import writes, by their database names (the JSON keys of writeRows). */
const WRITTEN_COLUMNS = (() => {
  const columns = getTableColumns(bibRecords);
  const names: (keyof typeof columns & keyof typeof bibRecords.$inferSelect)[] = [
    ...BIB_FIELD_NAMES,
    'searchGrams',
    'updatedAt',
  ];
  return names.map((k) => [k, columns[k].name] as const);
})();
const columnList = (prefix: string) =>
  sql.join(
    WRITTEN_COLUMNS.map(([, name]) => sql.raw(`${prefix}"${name}"`)),
    sql`, `,
  );

/**
 * Bib rows as one JSON value, read back by jsonb_populate_recordset: a batch of several hundred
 * records is one parameter, not thirty per record (which the drivers and Drizzle pay for each).
 */
type Row = { id: string; bib: BibFields; grams: string[] };
function writeRows(ctx: Ctx, rows: Row[]): string {
  const now = ctx.now().toISOString();
  return JSON.stringify(
    rows.map(({ id, bib, grams }) => {
      const values: Record<string, unknown> = { ...bib, searchGrams: grams, updatedAt: now };
      return Object.fromEntries([
        ['id', id],
        ['tenant_id', ctx.tenantId],
        ['created_at', now],
        ...WRITTEN_COLUMNS.map(([k, name]) => [name, values[k]]),
      ]);
    }),
  );
}

/** Insert many new bibs with one statement. */
async function insertMany(tx: Tx, ctx: Ctx, rows: Row[]) {
  await tx.execute(sql`
    insert into bib_records (id, tenant_id, created_at, ${columnList('')})
    select id, tenant_id, created_at, ${columnList('v.')}
    from jsonb_populate_recordset(null::bib_records, ${writeRows(ctx, rows)}::jsonb) as v`);
}

/** Update many bibs with one statement. */
async function updateMany(tx: Tx, ctx: Ctx, rows: Row[]) {
  const set = sql.join(
    WRITTEN_COLUMNS.map(([, name]) => sql.raw(`"${name}" = v."${name}"`)),
    sql`, `,
  );
  await tx.execute(sql`
    update bib_records b set ${set}
    from jsonb_populate_recordset(null::bib_records, ${writeRows(ctx, rows)}::jsonb) as v
    where b.id = v.id and b.tenant_id = ${ctx.tenantId}`);
}

/** An incoming record over the one it matched: the values to write and the fields that change. */
function mergeIncoming(existing: BibRow, incoming: BibFields): { bib: BibFields; changed: string[] } {
  // Ids from other sources are kept: a TRC record matched by ISBN keeps its JP number.
  const bib: BibFields = {
    ...incoming,
    sourceIds: { ...existing.sourceIds, ...incoming.sourceIds },
    trcNumber: incoming.trcNumber ?? existing.trcNumber,
    jpNumber: incoming.jpNumber ?? existing.jpNumber,
  };
  const before = pickBibFields(existing);
  return { bib, changed: BIB_FIELD_NAMES.filter((k) => canonical(before[k]) !== canonical(bib[k])) };
}

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
    // every record with the ISBN (a set's volumes can be many), then those it may be
    const rows = (
      await tx
        .select()
        .from(bibRecords)
        .where(and(mine, eq(bibRecords.isbn, bib.isbn)))
        .for('update')
    ).filter((row) => isbnMayMatch(row, bib));
    if (rows.length > 1) throw new AmbiguousMatch(ambiguousIsbn(bib.isbn));
    if (rows[0]) return rows[0];
  }
  return null;
}

/**
 * Save one incoming record: matched to an existing record (updated when it differs) or created.
 * Also the adoption of a MARC pool record, so adopting twice finds the first adoption.
 */
export async function saveIncomingBib(
  tx: Tx,
  ctx: Ctx,
  incoming: BibFields,
  at: { position: number; mapping: string; source?: string },
): Promise<{ outcome: 'created' | 'updated' | 'unchanged'; id: string }> {
  const source = at.source ?? 'marcImport';
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
      details: { source, mapping: at.mapping, position: at.position },
    });
    return { outcome: 'created', id: row!.id };
  }
  const { bib, changed } = mergeIncoming(existing, incoming);
  if (changed.length === 0) return { outcome: 'unchanged', id: existing.id };
  await tx
    .update(bibRecords)
    .set({ ...bib, searchGrams: searchGramsOf(bib), updatedAt: ctx.now() })
    .where(and(eq(bibRecords.tenantId, ctx.tenantId), eq(bibRecords.id, existing.id)));
  await recordOperation(tx, ctx, {
    action: 'bib.update',
    targetType: 'bib',
    targetId: existing.id,
    details: { source, mapping: at.mapping, position: at.position, fields: changed },
  });
  return { outcome: 'updated', id: existing.id };
}
