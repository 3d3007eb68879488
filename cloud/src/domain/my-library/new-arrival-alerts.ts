import { and, asc, count, eq, gt, lte } from 'drizzle-orm';
import { bibRecords, newArrivalAlerts, patrons, tenants } from '../../db/schema/index.ts';
import { parseQuery } from '../catalog/query-parser.ts';
import { searchWhere } from '../catalog/search-bibs.ts';
import { type Ctx, inTx, requirePermission } from '../context.ts';
import { AppError } from '../errors.ts';
import { enqueueMail } from '../mail/outbox.ts';
import { recordOperation } from '../oplog/record.ts';
import { requirePatron } from '../patron-auth/account.ts';

/**
 * 新着資料お知らせ: saved searches by keyword (the catalogue's query language) or NDC class. The
 * daily job mails each patron the titles registered since their alerts last ran. What a patron
 * watches for is private: the log names alert ids only, never the words.
 */
export const MAX_ALERTS = 10;
const TITLES_PER_ALERT = 20;

type AlertInput = { kind: 'keyword' | 'ndc'; query: string };

const searchText = (a: AlertInput) => (a.kind === 'ndc' ? `ndc:${a.query}` : a.query);

export async function myNewArrivalAlerts(ctx: Ctx) {
  const me = requirePatron(ctx);
  const rows = await ctx.db
    .select({
      id: newArrivalAlerts.id,
      kind: newArrivalAlerts.kind,
      query: newArrivalAlerts.query,
      createdAt: newArrivalAlerts.createdAt,
    })
    .from(newArrivalAlerts)
    .where(and(eq(newArrivalAlerts.tenantId, ctx.tenantId), eq(newArrivalAlerts.patronId, me.id)))
    .orderBy(asc(newArrivalAlerts.createdAt));
  return rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() }));
}

export async function createMyNewArrivalAlert(ctx: Ctx, input: AlertInput) {
  const me = requirePatron(ctx);
  if (input.kind === 'ndc' && !/^\d{1,3}(\.\d{1,4})?$/.test(input.query)) {
    throw new AppError('validation', undefined, [
      { path: 'query', message: 'an NDC class such as 2, 91 or 913.6' },
    ]);
  }
  if (input.kind === 'keyword' && parseQuery(input.query) === null) {
    throw new AppError('validation', undefined, [{ path: 'query', message: 'at least one search word' }]);
  }
  return inTx(ctx, async (tx) => {
    const [n] = await tx
      .select({ n: count() })
      .from(newArrivalAlerts)
      .where(and(eq(newArrivalAlerts.tenantId, ctx.tenantId), eq(newArrivalAlerts.patronId, me.id)));
    if ((n?.n ?? 0) >= MAX_ALERTS) {
      throw new AppError('validation', undefined, [
        { path: 'query', message: `at most ${MAX_ALERTS} alerts` },
      ]);
    }
    const [a] = await tx
      .insert(newArrivalAlerts)
      .values({
        tenantId: ctx.tenantId,
        patronId: me.id,
        kind: input.kind,
        query: input.query,
        checkedUntil: ctx.now(),
      })
      .returning({ id: newArrivalAlerts.id });
    await recordOperation(tx, ctx, {
      action: 'patron.alertCreate',
      targetType: 'newArrivalAlert',
      targetId: a!.id,
      details: { kind: input.kind },
    });
    return { id: a!.id, kind: input.kind, query: input.query };
  });
}

export async function deleteMyNewArrivalAlert(ctx: Ctx, alertId: string) {
  const me = requirePatron(ctx);
  return inTx(ctx, async (tx) => {
    const gone = await tx
      .delete(newArrivalAlerts)
      .where(
        and(
          eq(newArrivalAlerts.tenantId, ctx.tenantId),
          eq(newArrivalAlerts.id, alertId),
          eq(newArrivalAlerts.patronId, me.id),
        ),
      )
      .returning({ id: newArrivalAlerts.id });
    if (gone.length === 0) throw new AppError('notFound');
    await recordOperation(tx, ctx, {
      action: 'patron.alertDelete',
      targetType: 'newArrivalAlert',
      targetId: alertId,
    });
    return { id: alertId, deleted: true as const };
  });
}

/**
 * New titles for one alert since it last ran. A saved query the parser no longer accepts (after an
 * upgrade, say) matches nothing instead of stopping everyone's alerts.
 */
async function newTitlesFor(ctx: Ctx, alert: typeof newArrivalAlerts.$inferSelect, until: Date) {
  let where: ReturnType<typeof searchWhere>;
  try {
    where = searchWhere(ctx, { q: searchText(alert), limit: TITLES_PER_ALERT, offset: 0 });
  } catch (err) {
    if (err instanceof AppError) return [];
    throw err;
  }
  return ctx.db
    .select({ title: bibRecords.title })
    .from(bibRecords)
    .where(and(where, gt(bibRecords.createdAt, alert.checkedUntil), lte(bibRecords.createdAt, until)))
    .orderBy(asc(bibRecords.titleReading), asc(bibRecords.id))
    .limit(TITLES_PER_ALERT);
}

/**
 * The daily hook: for each patron with alerts, an active registration, an e-mail address and
 * e-mail notices on, one mail listing the new titles per alert. Each patron's alerts move on in
 * the same transaction as the mail, so a rerun (or a second server) never mails a title twice.
 */
export async function runNewArrivalAlerts(ctx: Ctx) {
  requirePermission(ctx, 'patrons.write');
  const until = ctx.now();
  const [tenant] = await ctx.db
    .select({ nameJa: tenants.nameJa })
    .from(tenants)
    .where(eq(tenants.id, ctx.tenantId));
  const alerts = await ctx.db
    .select({
      alert: newArrivalAlerts,
      email: patrons.email,
      emailNotices: patrons.emailNotices,
      status: patrons.status,
    })
    .from(newArrivalAlerts)
    .innerJoin(patrons, eq(patrons.id, newArrivalAlerts.patronId))
    .where(eq(newArrivalAlerts.tenantId, ctx.tenantId))
    .orderBy(asc(newArrivalAlerts.patronId), asc(newArrivalAlerts.createdAt));
  const byPatron = new Map<string, typeof alerts>();
  for (const a of alerts) byPatron.set(a.alert.patronId, [...(byPatron.get(a.alert.patronId) ?? []), a]);
  let mails = 0;
  for (const [patronId, mine] of byPatron) {
    const deliver = mine[0]!.status === 'active' && Boolean(mine[0]!.email) && mine[0]!.emailNotices;
    const sections: string[] = [];
    if (deliver) {
      for (const { alert } of mine) {
        const titles = await newTitlesFor(ctx, alert, until);
        if (titles.length === 0) continue;
        const label = alert.kind === 'ndc' ? `分類 ${alert.query}` : `キーワード「${alert.query}」`;
        sections.push([`■ ${label}`, ...titles.map((t) => `・${t.title}`)].join('\n'));
      }
    }
    await inTx(ctx, async (tx) => {
      let moved = 0;
      for (const { alert } of mine) {
        const r = await tx
          .update(newArrivalAlerts)
          .set({ checkedUntil: until })
          .where(
            and(eq(newArrivalAlerts.id, alert.id), eq(newArrivalAlerts.checkedUntil, alert.checkedUntil)),
          )
          .returning({ id: newArrivalAlerts.id });
        moved += r.length;
      }
      // another run got there first (the daily claim normally rules this out): it sends the mail
      if (sections.length === 0 || moved === 0) return;
      await enqueueMail(tx, {
        tenantId: ctx.tenantId,
        patronId,
        kind: 'newArrivals',
        at: until,
        to: mine[0]!.email!,
        subject: `【${tenant?.nameJa ?? '図書館'}】新着資料のお知らせ`,
        body: [
          'ご登録の条件に合う資料が新しく入りました。',
          '',
          ...sections.flatMap((s) => [s, '']),
          '予約はマイページからどうぞ。お知らせの停止もマイページでできます。',
          '※このメールは送信専用です。',
        ].join('\n'),
      });
      await recordOperation(tx, ctx, {
        action: 'patron.newArrivalsMailed',
        targetType: 'patron',
        targetId: patronId,
        details: { alerts: sections.length },
      });
      mails++;
    });
  }
  return { patrons: byPatron.size, mails };
}
