import { and, eq, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../db/client.ts';
import {
  calendarDays,
  calendars,
  locations,
  materialTypes,
  patronCards,
  patrons,
  tenants,
} from '../db/schema/index.ts';
import { provisionTenant } from '../domain/admin/provision-tenant.ts';
import { hashPassword } from '../domain/auth/passwords.ts';
import { cardBarcode } from './corpus.ts';
import { DEMO_AGENT } from './demo-agent.ts';
import { seedDemoCollection } from './seed-collection.ts';

const ISHIGAKI_REGISTRATION = {
  residencies: [
    { code: 'resident', nameJa: '市内在住', nameEn: 'Lives in Ishigaki' },
    { code: 'worker', nameJa: '市内在勤', nameEn: 'Works in Ishigaki' },
    { code: 'student', nameJa: '市内在学', nameEn: 'Studies in Ishigaki' },
    { code: 'taketomi', nameJa: '竹富町(広域利用)', nameEn: 'Taketomi (regional use)' },
    { code: 'yonaguni', nameJa: '与那国町(広域利用)', nameEn: 'Yonaguni (regional use)' },
  ],
  validYears: 3,
  guardianCategories: ['child'],
  organizationCategories: ['group'],
};

export const DEMO_TENANT = {
  code: 'ishigaki',
  nameJa: '石垣市立図書館(デモ)',
  nameEn: 'Ishigaki City Library (demo)',
};

const STAFF = [
  {
    loginId: 'admin',
    password: 'bunko-admin',
    roles: ['admin'],
    roleJa: 'システム管理者',
    displayName: '管理 太郎',
  },
  {
    loginId: 'librarian',
    password: 'bunko-librarian',
    roles: ['librarian'],
    roleJa: '司書',
    displayName: '司書 花子',
  },
  {
    loginId: 'counter',
    password: 'bunko-counter',
    roles: ['counter'],
    roleJa: 'カウンター',
    displayName: '窓口 次郎',
  },
  { loginId: 'it', password: 'bunko-it', roles: ['it'], roleJa: '情報システム', displayName: '情報 三郎' },
];

/** Shown on the demo's login page and printed at start; a real installation has none. */
/** The demo patron's My Library login (card number and password), printed at start. */
export const DEMO_PATRON_LOGIN = { card: cardBarcode(1), password: 'bunko-patron' } as const;

export const DEMO_LOGINS = STAFF.map(({ loginId, password, roleJa }) => ({ loginId, password, roleJa }));

/** ISO date strings of every day in [from, to] matching `pick`. */
function days(from: string, to: string, pick: (d: Date) => boolean): string[] {
  const out: string[] = [];
  for (
    let d = new Date(`${from}T00:00:00Z`);
    d <= new Date(`${to}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + 1)
  ) {
    if (pick(d)) out.push(d.toISOString().slice(0, 10));
  }
  return out;
}

const isLastFridayOfMonth = (d: Date) =>
  d.getUTCDay() === 5 && new Date(d.getTime() + 7 * 86400_000).getUTCMonth() !== d.getUTCMonth();

/**
 * The demo library, shaped like Ishigaki: closed Mondays and national holidays, 慰霊の日, year-end,
 * a monthly 資料整理日; a main library and a bookmobile with two stations; a few thousand records.
 * Runs once: an existing demo tenant is kept as it is.
 */
export async function ensureDemo(
  db: Db,
  force: boolean,
  logger: Logger,
): Promise<{ tenantId: string } | null> {
  const [existing] = await db
    .select({ id: tenants.id })
    .from(tenants)
    .where(eq(tenants.code, DEMO_TENANT.code));
  if (existing) return { tenantId: existing.id };
  if (!force) {
    const [any] = await db.select({ id: tenants.id }).from(tenants).limit(1);
    if (any) return null; // a real installation: no demo beside it
  }
  const started = performance.now();
  const { tenant } = await provisionTenant(db, { ...DEMO_TENANT, staff: STAFF });
  const tenantId = tenant.id;
  await db.transaction(async (tx) => {
    const [main, mobile] = await tx
      .insert(calendars)
      .values([
        {
          tenantId,
          code: 'main',
          nameJa: '本館カレンダー',
          closedWeekdays: [1],
          hours: { weekday: ['10:00', '19:00'], weekend: ['10:00', '17:00'] },
        },
        { tenantId, code: 'bookmobile', nameJa: '移動図書館巡回日', closedWeekdays: [1, 2, 3, 4, 5, 6, 7] },
      ])
      .returning({ id: calendars.id });
    const year = new Date().getUTCFullYear();
    const span = [`${year - 1}-01-01`, `${year + 1}-12-31`] as const;
    const closed = [
      ...[year - 1, year, year + 1].map((y) => ({ day: `${y}-06-23`, reasonJa: '慰霊の日' })),
      ...days(
        ...span,
        (d) =>
          (d.getUTCMonth() === 11 && d.getUTCDate() >= 29) || (d.getUTCMonth() === 0 && d.getUTCDate() <= 3),
      ).map((day) => ({ day, reasonJa: '年末年始' })),
      ...days(...span, isLastFridayOfMonth).map((day) => ({ day, reasonJa: '資料整理日' })),
    ];
    // one row per day: where two reasons meet (a 資料整理日 inside 年末年始), the first listed wins
    const byDay = new Map<string, string>();
    for (const c of closed) if (!byDay.has(c.day)) byDay.set(c.day, c.reasonJa);
    await tx.insert(calendarDays).values(
      [...byDay].map(([day, reasonJa]) => ({
        tenantId,
        calendarId: main!.id,
        kind: 'closed' as const,
        day,
        reasonJa,
      })),
    );
    // The bookmobile visits 川平 on the 2nd and 伊原間 on the 4th Wednesday.
    const visits = days(
      ...span,
      (d) => d.getUTCDay() === 3 && [2, 4].includes(Math.ceil(d.getUTCDate() / 7)),
    );
    await tx.insert(calendarDays).values(
      visits.map((day) => ({
        tenantId,
        calendarId: mobile!.id,
        day,
        kind: 'visit' as const,
        reasonJa: Math.ceil(Number(day.slice(8)) / 7) === 2 ? '川平公民館' : '伊原間公民館',
      })),
    );
    const [library] = await tx
      .insert(locations)
      .values({
        tenantId,
        code: 'main',
        nameJa: '本館',
        nameEn: 'Main library',
        kind: 'library',
        calendarId: main!.id,
      })
      .returning({ id: locations.id });
    const [bookmobile] = await tx
      .insert(locations)
      .values({
        tenantId,
        code: 'bm',
        nameJa: '移動図書館',
        nameEn: 'Bookmobile',
        kind: 'bookmobile',
        calendarId: mobile!.id,
      })
      .returning({ id: locations.id });
    await tx.insert(locations).values([
      {
        tenantId,
        code: 'bm-kabira',
        nameJa: '川平公民館',
        nameEn: 'Kabira community hall',
        kind: 'station',
        parentId: bookmobile!.id,
        calendarId: mobile!.id,
      },
      {
        tenantId,
        code: 'bm-ibaruma',
        nameJa: '伊原間公民館',
        nameEn: 'Ibaruma community hall',
        kind: 'station',
        parentId: bookmobile!.id,
        calendarId: mobile!.id,
      },
      {
        tenantId,
        code: 'school-ishigaki',
        nameJa: '石垣小学校(団体貸出)',
        nameEn: 'Ishigaki Elementary (group loans)',
        kind: 'school',
        parentId: library!.id,
      },
    ]);
    // the patron categories (一般・中高生・児童・団体) come with provisionTenant
    // Ishigaki registers residents, workers and students of the city, and (広域利用) the two
    // neighbouring towns: settings, so another library lists its own
    await tx
      .update(tenants)
      .set({
        settings: sql`${tenants.settings} || ${JSON.stringify({ patronRegistration: ISHIGAKI_REGISTRATION })}::jsonb`,
      })
      .where(eq(tenants.id, tenantId));
    await tx.insert(materialTypes).values([
      { tenantId, code: 'book', nameJa: '図書', nameEn: 'Book' },
      { tenantId, code: 'picture', nameJa: '絵本', nameEn: 'Picture book' },
      { tenantId, code: 'local', nameJa: '郷土資料', nameEn: 'Local studies' },
      { tenantId, code: 'magazine', nameJa: '雑誌', nameEn: 'Magazine' },
      { tenantId, code: 'cd', nameJa: 'CD', nameEn: 'CD', isAv: true },
      { tenantId, code: 'dvd', nameJa: 'DVD', nameEn: 'DVD', isAv: true },
      { tenantId, code: 'reference', nameJa: '参考図書', nameEn: 'Reference', loanable: false },
    ]);
  });
  const counts = await seedDemoCollection(db, tenantId, { seed: 20261125, bibs: 3000, patrons: 500 });
  // 館内OPAC (after the collection, which sets the barcode settings): /opac?kiosk=demo prints its location slips on the demo agent's receipt printer
  await db
    .update(tenants)
    .set({
      settings: sql`${tenants.settings} || ${JSON.stringify({
        kiosks: {
          demo: {
            nameJa: '館内OPAC(デモ)',
            agentCode: DEMO_AGENT.code,
            printerDeviceId: 'receipt-1',
            idleSeconds: 90,
          },
        },
      })}::jsonb`,
    })
    .where(eq(tenants.id, tenantId));
  // マイページ: the first demo patron can log in to My Library with a known demo password
  const [card] = await db
    .select({ patronId: patronCards.patronId })
    .from(patronCards)
    .where(and(eq(patronCards.tenantId, tenantId), eq(patronCards.barcode, DEMO_PATRON_LOGIN.card)));
  if (card)
    await db
      .update(patrons)
      .set({ passwordHash: await hashPassword(DEMO_PATRON_LOGIN.password), passwordMustChange: false })
      .where(eq(patrons.id, card.patronId));
  logger.info({ ...counts, ms: Math.round(performance.now() - started) }, 'demo library created');
  return { tenantId };
}
