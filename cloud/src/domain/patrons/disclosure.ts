import { and, asc, eq, inArray, isNotNull, or } from 'drizzle-orm';
import {
  bibRecords,
  bookshelfEntries,
  bookshelfLists,
  emailChangeRequests,
  holds,
  items,
  loans,
  mailOutbox,
  newArrivalAlerts,
  operationLog,
  overdueNotices,
  purchaseRequests,
  tenants,
} from '../../db/schema/index.ts';
import { type Ctx, inTx, requirePermission } from '../context.ts';
import { toCsvText } from '../export/csv.ts';
import { recordOperation } from '../oplog/record.ts';
import { patronRecord } from './get-patron.ts';

/**
 * 開示 (disclosure on request): everything the library holds about one patron, as one document —
 * the registration record, cards, notes, current loans, reading history (only kept when the
 * patron opted in), holds, purchase requests, notices, mails, e-mail address changes asked for,
 * My Library lists and alerts, and
 * the operation-log entries about them or by them. Needs patrons.export; the export is logged.
 */
export async function exportPatronDisclosure(ctx: Ctx, patronId: string, format: 'json' | 'csv') {
  requirePermission(ctx, 'patrons.export');
  const record = await patronRecord(ctx, patronId, { full: true });
  const t = ctx.tenantId;
  const [tenant] = await ctx.db
    .select({ code: tenants.code, nameJa: tenants.nameJa })
    .from(tenants)
    .where(eq(tenants.id, t));
  const loanRows = await ctx.db
    .select({
      loanId: loans.id,
      title: bibRecords.title,
      itemBarcode: items.barcode,
      loanedAt: loans.loanedAt,
      dueOn: loans.dueOn,
      returnedAt: loans.returnedAt,
      renewals: loans.renewals,
    })
    .from(loans)
    .innerJoin(items, eq(items.id, loans.itemId))
    .innerJoin(bibRecords, eq(bibRecords.id, items.bibId))
    .where(and(eq(loans.tenantId, t), eq(loans.patronId, patronId)))
    .orderBy(asc(loans.loanedAt));
  const holdRows = await ctx.db
    .select({
      holdId: holds.id,
      title: bibRecords.title,
      status: holds.status,
      placedAt: holds.placedAt,
      closedAt: holds.closedAt,
      pickupBy: holds.pickupBy,
      contactMethod: holds.contactMethod,
    })
    .from(holds)
    .innerJoin(bibRecords, eq(bibRecords.id, holds.bibId))
    .where(and(eq(holds.tenantId, t), eq(holds.patronId, patronId)))
    .orderBy(asc(holds.placedAt));
  const requests = await ctx.db
    .select({
      id: purchaseRequests.id,
      title: purchaseRequests.title,
      status: purchaseRequests.status,
      createdAt: purchaseRequests.createdAt,
    })
    .from(purchaseRequests)
    .where(and(eq(purchaseRequests.tenantId, t), eq(purchaseRequests.patronId, patronId)));
  const notices = await ctx.db
    .select({
      id: overdueNotices.id,
      stage: overdueNotices.stage,
      channel: overdueNotices.channel,
      noticeDay: overdueNotices.noticeDay,
      itemCount: overdueNotices.itemCount,
      status: overdueNotices.status,
    })
    .from(overdueNotices)
    .where(and(eq(overdueNotices.tenantId, t), eq(overdueNotices.patronId, patronId)));
  const mails = await ctx.db
    .select({
      id: mailOutbox.id,
      kind: mailOutbox.kind,
      toAddress: mailOutbox.toAddress,
      subject: mailOutbox.subject,
      status: mailOutbox.status,
      createdAt: mailOutbox.createdAt,
      sentAt: mailOutbox.sentAt,
    })
    .from(mailOutbox)
    .where(and(eq(mailOutbox.tenantId, t), eq(mailOutbox.patronId, patronId)));
  const emailChanges = await ctx.db
    .select({
      newEmail: emailChangeRequests.newEmail,
      createdAt: emailChangeRequests.createdAt,
      expiresAt: emailChangeRequests.expiresAt,
      endedAt: emailChangeRequests.endedAt,
      endedAs: emailChangeRequests.endedAs,
    })
    .from(emailChangeRequests)
    .where(and(eq(emailChangeRequests.tenantId, t), eq(emailChangeRequests.patronId, patronId)))
    .orderBy(asc(emailChangeRequests.createdAt));
  const shelves = await ctx.db
    .select({ list: bookshelfLists.name, title: bibRecords.title, addedAt: bookshelfEntries.addedAt })
    .from(bookshelfLists)
    .leftJoin(bookshelfEntries, eq(bookshelfEntries.listId, bookshelfLists.id))
    .leftJoin(bibRecords, eq(bibRecords.id, bookshelfEntries.bibId))
    .where(and(eq(bookshelfLists.tenantId, t), eq(bookshelfLists.patronId, patronId)));
  const alerts = await ctx.db
    .select({
      kind: newArrivalAlerts.kind,
      query: newArrivalAlerts.query,
      createdAt: newArrivalAlerts.createdAt,
    })
    .from(newArrivalAlerts)
    .where(and(eq(newArrivalAlerts.tenantId, t), eq(newArrivalAlerts.patronId, patronId)));
  const targetIds = [patronId, ...loanRows.map((l) => l.loanId), ...holdRows.map((h) => h.holdId)];
  const oplog = await ctx.db
    .select({
      at: operationLog.at,
      actorKind: operationLog.actorKind,
      staffLoginId: operationLog.staffLoginId,
      action: operationLog.action,
      targetType: operationLog.targetType,
      targetId: operationLog.targetId,
      details: operationLog.details,
    })
    .from(operationLog)
    .where(
      and(
        eq(operationLog.tenantId, t),
        or(
          inArray(operationLog.targetId, targetIds),
          and(isNotNull(operationLog.actorPatronId), eq(operationLog.actorPatronId, patronId)),
        ),
      ),
    )
    .orderBy(asc(operationLog.seq));

  const current = loanRows.filter((l) => l.returnedAt === null);
  const history = loanRows.filter((l) => l.returnedAt !== null);
  const doc = {
    generatedAt: ctx.now().toISOString(),
    library: tenant,
    patron: record,
    currentLoans: current,
    readingHistory: { optedIn: record.full!.readingHistoryOptIn, entries: history },
    holds: holdRows,
    purchaseRequests: requests,
    overdueNotices: notices,
    mails,
    emailChanges,
    bookshelves: shelves,
    newArrivalAlerts: alerts,
    operationLog: oplog,
  };
  await inTx(ctx, (tx) =>
    recordOperation(tx, ctx, {
      action: 'patron.disclosureExport',
      targetType: 'patron',
      targetId: patronId,
      details: { format },
    }),
  );
  if (format === 'json') return { json: doc };
  return { csv: disclosureCsv(doc) };
}

/** The same document as rows of (section, #, field, value), for Excel. */
function disclosureCsv(doc: Record<string, unknown>): string {
  const rows: (string | number)[][] = [['区分/section', '番号/#', '項目/field', '値/value']];
  const walk = (section: string, n: number, prefix: string, v: unknown) => {
    if (v === null || v === undefined) rows.push([section, n, prefix, '']);
    else if (v instanceof Date) rows.push([section, n, prefix, v.toISOString()]);
    else if (Array.isArray(v)) {
      for (const [i, e] of v.entries()) {
        if (prefix === '') walk(section, i + 1, '', e);
        else walk(section, n, `${prefix}[${i}]`, e);
      }
    } else if (typeof v === 'object')
      for (const [k, x] of Object.entries(v)) walk(section, n, prefix ? `${prefix}.${k}` : k, x);
    else rows.push([section, n, prefix, String(v)]);
  };
  for (const [section, value] of Object.entries(doc)) walk(section, 1, '', value);
  return toCsvText(rows);
}
