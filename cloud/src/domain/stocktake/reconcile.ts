import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { resultRows } from '../../db/result-rows.ts';
import { STOCKTAKE_LISTS, type StocktakeList } from '../../db/schema/index.ts';

export type StocktakeCounts = Record<StocktakeList, number>;

/**
 * Reconcile a session's scans against the catalogue, in one statement of set operations (so
 * 300,000 scans against 500,000 items take seconds, not a query per scan), replacing its results:
 *
 * - missing (不明になる): in scope, 在架 (available), not scanned
 * - found: scanned, currently 不明 (missing) — back on the shelf at the close
 * - misshelved: scanned under a shelf tag naming another location, or another shelf there
 *   (a tag is `<location code>` or `<location code>/<shelf>`; a tag naming no location is not judged)
 * - onLoanOrHold: scanned, but on loan, on the hold shelf or in transit
 * - duplicate: one barcode scanned under more than one shelf tag (a label on two books?)
 * - unknown: refused by the library's barcode settings, not in the catalogue, or withdrawn
 *
 * The scope is the session's locations, and its shelves when it names any; withdrawn items are
 * never in scope.
 */
export async function reconcileSession(
  tx: DbOrTx,
  tenantId: string,
  sessionId: string,
): Promise<StocktakeCounts> {
  await tx.execute(
    sql`delete from stocktake_results where tenant_id = ${tenantId} and session_id = ${sessionId}`,
  );
  // Every join here is between large sets (all scans, all items in scope), where hash joins win;
  // the scans just inserted have no statistics yet, and a nested loop planned from the guess
  // "one row" is quadratic. For this transaction only, and to get memory for the hash tables:
  await tx.execute(sql`set local enable_nestloop = off`);
  await tx.execute(sql`set local work_mem = '64MB'`);
  // (disabling nested loops inflates the cost estimate past JIT's threshold: seconds of compiling)
  await tx.execute(sql`set local jit = off`);
  const [row] = resultRows<Record<StocktakeList, number | string>>(
    await tx.execute(reconcileStatement(tenantId, sessionId)),
  );
  return Object.fromEntries(STOCKTAKE_LISTS.map((l) => [l, Number(row?.[l] ?? 0)])) as StocktakeCounts;
}

/** The one statement that fills the six lists and answers their counts. */
export function reconcileStatement(tenantId: string, sessionId: string) {
  return sql`
    with ss as (
      select location_ids, shelves from stocktake_sessions where tenant_id = ${tenantId} and id = ${sessionId}
    ),
    pairs as materialized (
      select barcode, shelf_tag, count(*)::int as n
      from stocktake_scans
      where tenant_id = ${tenantId} and session_id = ${sessionId} and barcode is not null
      group by barcode, shelf_tag
    ),
    scanned as materialized (
      select barcode, array_agg(shelf_tag order by shelf_tag) as tags, sum(n)::int as n
      from pairs group by barcode
    ),
    hits as materialized (
      select i.id, i.barcode, i.status, i.location_id, i.shelf, s.tags, s.n
      from scanned s join items i on i.tenant_id = ${tenantId} and i.barcode = s.barcode
    ),
    missing as (
      insert into stocktake_results (tenant_id, session_id, list, item_id, barcode, detail)
      select ${tenantId}::uuid, ${sessionId}::uuid, 'missing', i.id, i.barcode, '{}'::jsonb
      from items i, ss
      where i.tenant_id = ${tenantId}
        and i.location_id = any(ss.location_ids)
        and (cardinality(ss.shelves) = 0 or i.shelf = any(ss.shelves))
        and i.status = 'available'
        and not exists (select 1 from scanned s where s.barcode = i.barcode)
      returning 1
    ),
    found as (
      insert into stocktake_results (tenant_id, session_id, list, item_id, barcode, detail)
      select ${tenantId}::uuid, ${sessionId}::uuid, 'found', h.id, h.barcode, jsonb_build_object('shelfTags', to_jsonb(h.tags))
      from hits h where h.status = 'missing'
      returning 1
    ),
    misshelved as (
      insert into stocktake_results (tenant_id, session_id, list, item_id, barcode, detail)
      select ${tenantId}::uuid, ${sessionId}::uuid, 'misshelved', i.id, i.barcode,
        jsonb_build_object('shelfTag', p.shelf_tag, 'scans', p.n)
      from pairs p
      join items i on i.tenant_id = ${tenantId} and i.barcode = p.barcode and i.status <> 'withdrawn'
      join locations l on l.tenant_id = ${tenantId} and l.code = split_part(p.shelf_tag, '/', 1)
      where p.shelf_tag <> ''
        and (l.id <> i.location_id
          or (strpos(p.shelf_tag, '/') > 0
            and substr(p.shelf_tag, strpos(p.shelf_tag, '/') + 1) not in ('', i.shelf)))
      returning 1
    ),
    held as (
      insert into stocktake_results (tenant_id, session_id, list, item_id, barcode, detail)
      select ${tenantId}::uuid, ${sessionId}::uuid, 'onLoanOrHold', h.id, h.barcode,
        jsonb_build_object('status', h.status, 'shelfTags', to_jsonb(h.tags))
      from hits h where h.status in ('onLoan', 'onHoldShelf', 'inTransit')
      returning 1
    ),
    dup as (
      insert into stocktake_results (tenant_id, session_id, list, item_id, barcode, detail)
      select ${tenantId}::uuid, ${sessionId}::uuid, 'duplicate', i.id, s.barcode,
        jsonb_build_object('shelfTags', to_jsonb(s.tags), 'scans', s.n)
      from scanned s left join items i on i.tenant_id = ${tenantId} and i.barcode = s.barcode
      where cardinality(s.tags) > 1
      returning 1
    ),
    unknown as (
      insert into stocktake_results (tenant_id, session_id, list, item_id, barcode, detail)
      select ${tenantId}::uuid, ${sessionId}::uuid, 'unknown', null::uuid, u.raw, jsonb_build_object('reason', u.reason, 'scans', u.n)
      from (
        select raw, min(invalid_reason) as reason, count(*)::int as n
        from stocktake_scans
        where tenant_id = ${tenantId} and session_id = ${sessionId} and barcode is null
        group by raw
      ) u
      union all
      select ${tenantId}::uuid, ${sessionId}::uuid, 'unknown', null::uuid, s.barcode, jsonb_build_object('reason', 'notInCatalogue', 'scans', s.n)
      from scanned s
      where not exists (select 1 from items i where i.tenant_id = ${tenantId} and i.barcode = s.barcode)
      union all
      select ${tenantId}::uuid, ${sessionId}::uuid, 'unknown', h.id, h.barcode, jsonb_build_object('reason', 'withdrawn', 'scans', h.n)
      from hits h where h.status = 'withdrawn'
      returning 1
    )
    select (select count(*) from missing) as "missing",
           (select count(*) from found) as "found",
           (select count(*) from misshelved) as "misshelved",
           (select count(*) from held) as "onLoanOrHold",
           (select count(*) from dup) as "duplicate",
           (select count(*) from unknown) as "unknown"
  `;
}
