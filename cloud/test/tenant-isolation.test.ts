import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.ts';
import { agents, bibRecords, items, locations, patronCards, patrons } from '../src/db/schema/index.ts';
import { call, login, makeTenant, patronCategory, testApp } from './support/test-app.ts';
import { freshDatabase } from './support/test-db.ts';

let database: Database;
let app: ReturnType<typeof testApp>;
const ids: Record<'a' | 'b', { bib: string; patron: string; agent: string; tenant: string }> = {} as never;
let cookieA: string;

/** Both tenants get the same item barcode and card number on purpose: each must only ever see its own. */
async function library(code: 'a' | 'b', title: string) {
  const { tenant } = await makeTenant(database, `lib-${code}`);
  const t = tenant.id;
  const db = database.db;
  const [loc] = await db
    .insert(locations)
    .values({ tenantId: t, code: 'main', nameJa: '本館', nameEn: 'Main', kind: 'library' })
    .returning();
  const [bib] = await db
    .insert(bibRecords)
    .values({ tenantId: t, title, titleReading: 'テスト' })
    .returning();
  await db.insert(items).values({ tenantId: t, bibId: bib!.id, barcode: '1000000018', locationId: loc!.id });
  const cat = await patronCategory(database, t, 'general');
  const [patron] = await db
    .insert(patrons)
    .values({
      tenantId: t,
      categoryId: cat!.id,
      name: `${code}利用者`,
      nameReading: 'リヨウシャ',
      expiresOn: '2030-03-31',
      phone: '0980-00-0000',
    })
    .returning();
  await db.insert(patronCards).values({ tenantId: t, patronId: patron!.id, barcode: '2000000017' });
  const [agent] = await db
    .insert(agents)
    .values({ tenantId: t, code: 'pc1', nameJa: '端末1', secretHash: 'x' })
    .returning();
  ids[code] = { bib: bib!.id, patron: patron!.id, agent: agent!.id, tenant: t };
}

beforeAll(async () => {
  database = await freshDatabase();
  app = testApp(database);
  await library('a', '図書館Aの本');
  await library('b', '図書館Bの本');
  cookieA = await login(app, 'lib-a', 'admin');
});
afterAll(async () => {
  await database?.close();
});

describe('one tenant cannot read or change another tenant’s data', () => {
  it('does not find the other tenant’s record, patron or agent by id', async () => {
    for (const path of [
      `/api/bibs/${ids.b.bib}`,
      `/api/patrons/${ids.b.patron}`,
      `/api/patrons/${ids.b.patron}/full`,
    ]) {
      const res = await call(app, cookieA, 'GET', path);
      expect(res.status, path).toBe(404);
    }
    expect((await call(app, cookieA, 'POST', `/api/agents/${ids.b.agent}/ping`)).status).toBe(404);
    expect((await call(app, cookieA, 'GET', `/api/bibs/${ids.a.bib}`)).status).toBe(200);
  });

  it('cannot change the other tenant’s record, and the record stays as it was', async () => {
    const res = await call(app, cookieA, 'PATCH', `/api/bibs/${ids.b.bib}`, { title: '書き換え' });
    expect(res.status).toBe(404);
    const cookieB = await login(app, 'lib-b', 'admin');
    const b = (await (await call(app, cookieB, 'GET', `/api/bibs/${ids.b.bib}`)).json()) as { title: string };
    expect(b.title).toBe('図書館Bの本');
  });

  it('resolves the same barcode and card number to its own tenant’s rows', async () => {
    const item = (await (await call(app, cookieA, 'GET', '/api/items/by-barcode/1000000018')).json()) as {
      bibId: string;
    };
    expect(item.bibId).toBe(ids.a.bib);
    const patron = (await (await call(app, cookieA, 'GET', '/api/patrons/by-card/2000000017')).json()) as {
      id: string;
    };
    expect(patron.id).toBe(ids.a.patron);
  });

  it('lists only its own records, agents, counts and operations', async () => {
    const search = (await (await call(app, cookieA, 'GET', '/api/bibs?q=')).json()) as {
      total: number;
      items: { id: string }[];
    };
    expect(search.items.map((i) => i.id)).toEqual([ids.a.bib]);
    const list = (await (await call(app, cookieA, 'GET', '/api/agents')).json()) as {
      agents: { id: string }[];
    };
    expect(list.agents.map((a) => a.id)).toEqual([ids.a.agent]);
    const dash = (await (await call(app, cookieA, 'GET', '/api/dashboard')).json()) as {
      counts: { bibs: number; patrons: number };
    };
    expect(dash.counts).toMatchObject({ bibs: 1, patrons: 1 });
    const log = (await (await call(app, cookieA, 'GET', '/api/oplog?limit=500')).json()) as {
      entries: { staffLoginId: string | null }[];
    };
    expect(log.entries.length).toBeGreaterThan(0);
    // lib-b's admin logged in above; none of lib-b's entries may show here.
    const bLog = (await (
      await call(app, await login(app, 'lib-b', 'admin'), 'GET', '/api/oplog?limit=500')
    ).json()) as {
      entries: { seq: number }[];
    };
    const aSeqs = new Set(log.entries.map((e) => (e as unknown as { seq: number }).seq));
    expect(bLog.entries.some((e) => aSeqs.has(e.seq))).toBe(false);
  });
});
