import { and, eq, inArray, like } from 'drizzle-orm';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.ts';
import { items, operationLog, tenants } from '../src/db/schema/index.ts';
import { ingestBatch } from '../src/domain/stocktake/ingest.ts';
import { makeLibrary } from './support/library-fixture.ts';
import { adminCtx, call, login, testApp } from './support/test-app.ts';
import { freshDatabase } from './support/test-db.ts';

let database: Database;
let app: ReturnType<typeof testApp>;
let lib: Awaited<ReturnType<typeof makeLibrary>>;
let librarian: string;

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field in the assertions
type Json = Record<string, any>;
const send = async (method: string, path: string, body?: unknown, cookie = librarian) => {
  const res = await call(app, cookie, method, path, body);
  return { status: res.status, body: (await res.json()) as Json };
};
const upload = async (id: string, text: string, query = '') => {
  const res = await app.request(`/api/stocktakes/${id}/uploads${query}`, {
    method: 'POST',
    headers: { cookie: librarian, 'content-type': 'text/csv' },
    body: iconv.encode(text, 'cp932'),
  });
  return { status: res.status, body: (await res.json()) as Json };
};
const csv = (shelf: string, barcodes: string[], terminal = 'BHT-01') =>
  [
    '端末ID,棚,バーコード,読取日時',
    ...barcodes.map((b, i) => `${terminal},${shelf},${b},2026/11/20 10:${String(i).padStart(2, '0')}:00`),
  ].join('\r\n');
const statusOf = async (barcode: string) =>
  (
    await database.db
      .select({ status: items.status })
      .from(items)
      .where(and(eq(items.tenantId, lib.tenantId), eq(items.barcode, barcode)))
  )[0]?.status;
const setStatus = (barcodes: string[], status: typeof items.$inferSelect.status) =>
  database.db
    .update(items)
    .set({ status })
    .where(and(eq(items.tenantId, lib.tenantId), inArray(items.barcode, barcodes)));

beforeAll(async () => {
  database = await freshDatabase();
  app = testApp(database);
  lib = await makeLibrary(database, 'inv');
  librarian = await login(app, 'inv', 'librarian');
  // 7-digit item labels without a check digit; readers may send the start/stop A…A
  await database.db
    .update(tenants)
    .set({
      settings: {
        barcodes: {
          itemLabel: { length: 7, checkDigit: 'none' },
          patronCard: { length: 8, checkDigit: 'none' },
        },
      },
    })
    .where(eq(tenants.id, lib.tenantId));
  // the general shelf holds the main library's novels; 1000010 lives in the children's room
  await database.db.update(items).set({ shelf: '一般' }).where(eq(items.tenantId, lib.tenantId));
  await database.db
    .update(items)
    .set({ shelf: '児童' })
    .where(and(eq(items.tenantId, lib.tenantId), eq(items.barcode, '1000010')));
  await setStatus(['1000003'], 'onLoan');
  await setStatus(['1000006'], 'onHoldShelf');
  await setStatus(['1000005'], 'missing');
  await setStatus(['1000014'], 'withdrawn');
});
afterAll(async () => {
  await database?.close();
});

describe('stock-take (蔵書点検)', () => {
  let id: string;

  it('is for inventory.manage only, and one session is open at a time', async () => {
    const counter = await login(app, 'inv', 'counter');
    const refused = await send(
      'POST',
      '/api/stocktakes',
      { nameJa: 'x', locationIds: [lib.mainId] },
      counter,
    );
    expect(refused.status).toBe(403);
    const bad = await send('POST', '/api/stocktakes', { nameJa: '点検', locationIds: ['not-a-uuid'] });
    expect(bad.status).toBe(400);
    expect(bad.body.issues[0].path).toMatch(/locationIds/);

    const opened = await send('POST', '/api/stocktakes', {
      nameJa: '令和8年度 本館',
      locationIds: [lib.mainId],
    });
    expect(opened.status).toBe(200);
    expect(opened.body).toMatchObject({ status: 'open', shelves: [] });
    id = opened.body.id;
    const again = await send('POST', '/api/stocktakes', { nameJa: '二重', locationIds: [lib.branchId] });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('stocktakeAlreadyOpen');
  });

  it('counts an uploaded file once, however often it comes, and reports its bad lines', async () => {
    const general = csv('main/一般', ['1000001', 'A1000002A', '1000003', '1000005', '1000010', '12345', '']);
    const first = await upload(id, general);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'stored', scanCount: 6 });
    expect(first.body.rejectedLines).toEqual([{ line: 8, reason: 'empty barcode' }]);
    const second = await upload(id, general, '?fileName=again.csv');
    expect(second.body).toMatchObject({ status: 'duplicate', batchId: first.body.batchId });
    // the same data in UTF-8 with LF line ends is the same batch too
    const utf8 = await app.request(`/api/stocktakes/${id}/uploads?profile=generic-handheld-csv-cp932`, {
      method: 'POST',
      headers: { cookie: librarian, 'content-type': 'text/csv' },
      body: iconv.encode(general.replaceAll('\r\n', '\n'), 'cp932'),
    });
    expect(((await utf8.json()) as Json).status).toBe('duplicate');

    const branch = csv('branch', ['1000007', '9999999', '1000001'], 'BHT-02');
    expect((await upload(id, branch)).body.status).toBe('stored');

    const progress = await send('GET', `/api/stocktakes/${id}`);
    expect(progress.status).toBe(200);
    expect(progress.body.batches).toHaveLength(2);
    expect(progress.body).toMatchObject({ scans: 9, invalid: 1 });
    expect(progress.body.shelfTags).toEqual([
      { shelfTag: 'branch', scans: 3, barcodes: 3 },
      { shelfTag: 'main/一般', scans: 6, barcodes: 5 },
    ]);
    // scope: the main library’s items that are not withdrawn (12); seen: 1000001/2/3/5/10/7
    expect(progress.body.scope).toEqual({ items: 12, seen: 6 });
  });

  it('reconciles into the lists librarians expect', async () => {
    const r = await send('POST', `/api/stocktakes/${id}/reconcile`);
    expect(r.status).toBe(200);
    expect(r.body.counts).toEqual({
      missing: 5,
      found: 1,
      misshelved: 3,
      onLoanOrHold: 1,
      duplicate: 1,
      unknown: 2,
    });
    const list = async (name: string) =>
      (await send('GET', `/api/stocktakes/${id}/results?list=${name}`)).body.rows as Json[];
    // not scanned and 在架; the DVD on the hold shelf (1000006) and the withdrawn copy are not missing
    expect((await list('missing')).map((x) => x.barcode)).toEqual([
      '1000008',
      '1000009',
      '1000011',
      '1000012',
      '1000013',
    ]);
    const found = await list('found');
    expect(found.map((x) => [x.barcode, x.status, x.title])).toEqual([['1000005', 'missing', '書名 film']]);
    expect((await list('misshelved')).map((x) => [x.barcode, x.detail.shelfTag])).toEqual([
      ['1000001', 'branch'],
      ['1000007', 'branch'],
      ['1000010', 'main/一般'],
    ]);
    expect((await list('onLoanOrHold')).map((x) => [x.barcode, x.detail.status])).toEqual([
      ['1000003', 'onLoan'],
    ]);
    expect((await list('duplicate')).map((x) => [x.barcode, x.detail.shelfTags])).toEqual([
      ['1000001', ['branch', 'main/一般']],
    ]);
    expect((await list('unknown')).map((x) => [x.barcode, x.detail.reason])).toEqual([
      ['12345', expect.stringMatching(/桁/)],
      ['9999999', 'notInCatalogue'],
    ]);
  });

  it('closes: statuses change in one go, each change and the close in the operation log', async () => {
    const closed = await send('POST', `/api/stocktakes/${id}/close`);
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ markedMissing: 5, markedFound: 1, session: { status: 'closed' } });
    for (const b of ['1000008', '1000009', '1000011', '1000012', '1000013'])
      expect(await statusOf(b)).toBe('missing');
    expect(await statusOf('1000006')).toBe('onHoldShelf');
    expect(await statusOf('1000005')).toBe('available');
    expect(await statusOf('1000003')).toBe('onLoan');
    const log = await database.db
      .select({
        action: operationLog.action,
        targetId: operationLog.targetId,
        staff: operationLog.staffLoginId,
      })
      .from(operationLog)
      .where(and(eq(operationLog.tenantId, lib.tenantId), like(operationLog.action, '%stocktake%')));
    const actions = log.map((l) => l.action);
    expect(actions.filter((a) => a === 'item.stocktakeMissing')).toHaveLength(5);
    expect(actions.filter((a) => a === 'item.stocktakeFound')).toHaveLength(1);
    expect(actions).toEqual(
      expect.arrayContaining(['stocktake.open', 'stocktake.batch', 'stocktake.reconcile', 'stocktake.close']),
    );
    expect(log.find((l) => l.action === 'item.stocktakeFound')).toMatchObject({
      targetId: lib.items['1000005']!.id,
      staff: 'librarian',
    });

    const late = await upload(id, csv('main/一般', ['1000011']));
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('stocktakeClosed');
    expect((await send('POST', `/api/stocktakes/${id}/close`)).body.code).toBe('stocktakeClosed');
    // an agent's batch with no session open is not taken (the agent keeps it)
    const ctx = adminCtx(database, lib.tenantId, lib.tenant.id);
    const none = await ingestBatch(ctx, {
      terminalId: 't',
      origin: 'x.csv',
      scans: [{ barcode: '1000011', shelfTag: '', scannedAt: null }],
      rejected: [],
      rejectedCount: 0,
      source: 'agent',
    });
    expect(none.status).toBe('noOpenSession');
  });
});
