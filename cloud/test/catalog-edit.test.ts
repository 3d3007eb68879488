import { ean13CheckDigit, isbn13To10, PrintDocument } from '@bunko/protocols';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.ts';
import { operationLog, tenants } from '../src/db/schema/index.ts';
import { makeLibrary } from './support/library-fixture.ts';
import { call, login, testApp } from './support/test-app.ts';
import { freshDatabase } from './support/test-db.ts';

let database: Database;
let app: ReturnType<typeof testApp>;
let lib: Awaited<ReturnType<typeof makeLibrary>>;
let librarian: string;
let counter: string;

const first12 = '978490012345';
const ISBN13 = first12 + ean13CheckDigit(first12);
const hyphenated = `${ISBN13.slice(0, 3)}-${ISBN13.slice(3, 4)}-${ISBN13.slice(4, 8)}-${ISBN13.slice(8, 12)}-${ISBN13.slice(12)}`;

beforeAll(async () => {
  database = await freshDatabase();
  app = testApp(database);
  lib = await makeLibrary(database, 'cat');
  librarian = await login(app, 'cat', 'librarian');
  counter = await login(app, 'cat', 'counter');
});
afterAll(async () => {
  await database?.close();
});

const FULL = {
  title: '石垣島の星空',
  titleReading: 'イシガキジマ ノ ホシゾラ',
  otherTitles: [
    { kind: 'parallel', title: 'Starry skies of Ishigaki', reading: 'STARRY SKIES' },
    { kind: 'alternative', title: 'やいまの夜空', reading: 'ヤイマ ノ ヨゾラ' },
  ],
  authors: [
    { name: '高嶺 星子', reading: 'タカミネ ホシコ', role: '著' },
    { name: '比嘉 光', reading: 'ヒガ ヒカル', role: '写真' },
  ],
  responsibility: '高嶺星子 著 ; 比嘉光 写真',
  edition: '改訂版',
  publisher: '南山舎',
  pubPlace: '石垣',
  pubDate: '2024.3',
  pubYear: 2024,
  extent: '127p ; 21cm',
  isbn: hyphenated,
  ndc: '442',
  materialType: 'book',
  seriesTitle: '八重山の自然',
  volume: '3',
  language: 'jpn',
  subjects: [{ term: '天体観測', reading: 'テンタイ カンソク', scheme: 'ndlsh' }],
  notes: ['索引あり'],
  summary: '石垣島で見える星座と季節の星空を写真で紹介する。',
  trcNumber: '24012345',
  jpNumber: '23901234',
  sourceIds: { TRC: '24012345' },
};

type Bib = typeof FULL & { id: string; isbn10: string | null; items: { id: string }[] };

async function operations(action: string) {
  return database.db
    .select()
    .from(operationLog)
    .where(and(eq(operationLog.tenantId, lib.tenantId), eq(operationLog.action, action)))
    .orderBy(asc(operationLog.seq));
}

async function searchIds(q: string) {
  const res = await call(app, librarian, 'GET', `/api/bibs?${new URLSearchParams({ q })}`);
  return ((await res.json()) as { items: { id: string }[] }).items.map((i) => i.id);
}

describe('bibliographic records through the API', () => {
  let bib: Bib;

  it('creates a record with every field of the model, logged, indexed', async () => {
    const res = await call(app, librarian, 'POST', '/api/bibs', FULL);
    expect(res.status, await res.clone().text()).toBe(200);
    bib = (await res.json()) as Bib;
    const { isbn: _isbn, ...rest } = FULL;
    expect(bib).toMatchObject(rest);
    expect(bib.isbn).toBe(ISBN13);
    expect(bib.isbn10).toBe(isbn13To10(ISBN13));
    const [op] = await operations('bib.create');
    expect(op).toMatchObject({ targetId: bib.id, staffLoginId: 'librarian' });
    expect((op!.details as { fields: string[] }).fields).toContain('subjects');
    // the other title, subject and series are searchable, and the ISBN in either form
    expect(await searchIds('やいまの夜空')).toEqual([bib.id]);
    expect(await searchIds('subject:天体観測')).toEqual([bib.id]);
    expect(await searchIds('八重山の自然')).toEqual([bib.id]);
    expect(await searchIds(`isbn:${bib.isbn10}`)).toEqual([bib.id]);
  });

  it('changes fields, logging which', async () => {
    const res = await call(app, librarian, 'PATCH', `/api/bibs/${bib.id}`, {
      subjects: [{ term: '星座' }],
      edition: '第3版',
      isbn: null,
    });
    expect(res.status).toBe(200);
    const after = (await res.json()) as Bib;
    expect(after).toMatchObject({ edition: '第3版', subjects: [{ term: '星座' }], isbn: null, isbn10: null });
    const ops = await operations('bib.update');
    expect(ops.at(-1)!.details).toEqual({ fields: ['edition', 'isbn', 'subjects'] });
    expect(await searchIds('subject:天体観測')).toEqual([]);
    expect(await searchIds('subject:星座')).toEqual([bib.id]);
  });

  it('refuses bad input with the field named, and changes nothing', async () => {
    const bad = async (body: object, path: string, status = 400) => {
      const res = await call(app, librarian, 'POST', '/api/bibs', { title: '検証', ...body });
      expect(res.status, await res.clone().text()).toBe(status);
      const problem = (await res.json()) as { issues?: { path: string }[] };
      expect(problem.issues?.map((i) => i.path).join(',')).toContain(path);
    };
    await bad({ isbn: ISBN13.slice(0, 12) + ((Number(ISBN13[12]) + 1) % 10) }, 'isbn');
    await bad({ materialType: 'scroll' }, 'materialType');
    await bad({ language: 'japanese' }, 'language');
    await bad({ titleReading: '漢字のよみ' }, 'titleReading');
    await bad({ otherTitles: [{ kind: 'other', title: 'x' }] }, 'otherTitles');
    await bad({ trcNumber: FULL.trcNumber }, 'trcNumber', 409);
    expect(await searchIds('検証')).toEqual([]);
  });

  it('needs catalog.write', async () => {
    expect((await call(app, counter, 'POST', '/api/bibs', { title: 'x' })).status).toBe(403);
    expect((await call(app, counter, 'PATCH', `/api/bibs/${bib.id}`, { title: 'x' })).status).toBe(403);
  });
});

describe('items: add, edit, withdraw (除籍), missing (不明), repair (修理)', () => {
  let bibId: string;
  let itemId: string;

  beforeAll(async () => {
    const res = await call(app, librarian, 'POST', '/api/bibs', {
      title: '星の王子さま',
      titleReading: 'ホシ ノ オウジサマ',
      authors: [{ name: 'サン=テグジュペリ', reading: 'サンテグジュペリ' }],
      ndc: '953.7',
      volume: '上',
      materialType: 'book',
    });
    bibId = ((await res.json()) as Bib).id;
  });

  it('adds a copy with the call number the rules give, logged', async () => {
    const res = await call(app, librarian, 'POST', `/api/bibs/${bibId}/items`, {
      barcode: '5000001',
      locationId: lib.mainId,
      shelf: '一般開架',
      acquiredOn: '2026-04-01',
      price: 1540,
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const item = (await res.json()) as { id: string; callNumber: string; status: string };
    itemId = item.id;
    expect(item).toMatchObject({ callNumber: '953.7/サ/上', status: 'available' });
    const [op] = await operations('item.add');
    expect(op).toMatchObject({ targetId: itemId });
    expect(op!.details).toMatchObject({ bibId, callNumber: '953.7/サ/上', generated: true });
    const preview = await call(
      app,
      librarian,
      'GET',
      `/api/bibs/${bibId}/call-number?locationId=${lib.branchId}`,
    );
    expect(await preview.json()).toEqual({ text: '953.7/サ/上', parts: ['953.7', 'サ', '上'], rule: '一般' });
  });

  it('follows the tenant’s own rules held as data', async () => {
    await database.db
      .update(tenants)
      .set({
        settings: {
          callNumbers: {
            rules: [
              { name: '分館', when: { location: ['branch'] }, prefix: 'B', markLength: 2, volume: false },
              {},
            ],
          },
        },
      })
      .where(eq(tenants.id, lib.tenantId));
    const res = await call(app, librarian, 'POST', `/api/bibs/${bibId}/items`, {
      barcode: '5000002',
      locationId: lib.branchId,
    });
    expect(((await res.json()) as { callNumber: string }).callNumber).toBe('B/953.7/サン');
    const typed = await call(app, librarian, 'POST', `/api/bibs/${bibId}/items`, {
      barcode: '5000003',
      locationId: lib.mainId,
      callNumber: 'R/953/サ',
    });
    expect(((await typed.json()) as { callNumber: string }).callNumber).toBe('R/953/サ');
  });

  it('gives a spine label document: the call number one part a line, the library name beneath', async () => {
    const res = await call(app, librarian, 'GET', `/api/items/${itemId}/spine-label`);
    expect(res.status).toBe(200);
    const doc = PrintDocument.parse(await res.json());
    expect(doc.title).toBe('spine-label');
    expect(doc.blocks.map((b) => (b.type === 'text' ? b.text : b.type))).toEqual([
      '953.7',
      'サ',
      '上',
      'cat図書館',
    ]);
  });

  it('refuses a barcode already in use, an unknown location, and staff without items.write', async () => {
    const dup = await call(app, librarian, 'POST', `/api/bibs/${bibId}/items`, {
      barcode: '5000001',
      locationId: lib.mainId,
    });
    expect(dup.status).toBe(409);
    const nowhere = await call(app, librarian, 'POST', `/api/bibs/${bibId}/items`, {
      barcode: '5000009',
      locationId: '00000000-0000-4000-8000-000000000000',
    });
    expect(nowhere.status).toBe(400);
    const forbidden = await call(app, counter, 'POST', `/api/bibs/${bibId}/items`, {
      barcode: '5000009',
      locationId: lib.mainId,
    });
    expect(forbidden.status).toBe(403);
    expect((await call(app, counter, 'POST', `/api/items/${itemId}/withdraw`, { reason: 'x' })).status).toBe(
      403,
    );
  });

  it('edits a copy, logging the fields', async () => {
    const res = await call(app, librarian, 'PATCH', `/api/items/${itemId}`, { shelf: '文庫', price: 1600 });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ shelf: '文庫', price: 1600 });
    expect((await operations('item.update')).at(-1)!.details).toEqual({ fields: ['price', 'shelf'] });
    // the record lists the copy with its type and acquisition data (for the copy edit form)
    const record = (await (await call(app, librarian, 'GET', `/api/bibs/${bibId}`)).json()) as {
      items: { id: string; materialType: string | null; acquiredOn: string | null; price: number | null }[];
    };
    expect(record.items.find((i) => i.id === itemId)).toMatchObject({
      materialType: 'book',
      acquiredOn: '2026-04-01',
      price: 1600,
    });
  });

  it('generates the call number again when an edit blanks it, for the copy’s new location', async () => {
    const moved = await call(app, librarian, 'PATCH', `/api/items/${itemId}`, {
      locationId: lib.branchId,
      callNumber: '',
    });
    expect(moved.status, await moved.clone().text()).toBe(200);
    expect(((await moved.json()) as { callNumber: string }).callNumber).toBe('B/953.7/サン');
    expect((await operations('item.update')).at(-1)!.details).toEqual({
      fields: ['callNumber', 'locationId'],
      callNumberGenerated: true,
    });
    const back = await call(app, librarian, 'PATCH', `/api/items/${itemId}`, {
      locationId: lib.mainId,
      callNumber: '953.7/サ/上',
    });
    expect(await back.json()).toMatchObject({ locationId: lib.mainId, callNumber: '953.7/サ/上' });
  });

  it('refuses a bad edit with the field named, and changes nothing', async () => {
    const bad = async (body: object, path: string, status: number) => {
      const res = await call(app, librarian, 'PATCH', `/api/items/${itemId}`, {
        shelf: '変更しない',
        ...body,
      });
      expect(res.status, await res.clone().text()).toBe(status);
      const problem = (await res.json()) as { issues?: { path: string; message: string }[] };
      expect(problem.issues?.map((i) => i.path)).toContain(path);
    };
    await bad({ barcode: '5000002' }, 'barcode', 409);
    await bad({ price: -1 }, 'price', 400);
    await bad({ acquiredOn: '2026-13-01' }, 'acquiredOn', 400);
    await bad({ materialType: 'scroll' }, 'materialType', 400);
    await bad({ locationId: '00000000-0000-4000-8000-000000000000' }, 'locationId', 400);
    const record = (await (await call(app, librarian, 'GET', `/api/bibs/${bibId}`)).json()) as {
      items: { id: string; shelf: string }[];
    };
    expect(record.items.find((i) => i.id === itemId)!.shelf).toBe('文庫');
    expect((await call(app, counter, 'PATCH', `/api/items/${itemId}`, { shelf: 'x' })).status).toBe(403);
  });

  it('marks missing and under repair, and back on the shelf; not while on loan', async () => {
    const status = (s: string) => call(app, librarian, 'POST', `/api/items/${itemId}/status`, { status: s });
    expect(await (await status('missing')).json()).toMatchObject({ status: 'missing' });
    expect(await (await status('repair')).json()).toMatchObject({ status: 'repair' });
    expect(await (await status('available')).json()).toMatchObject({ status: 'available' });
    expect((await operations('item.status')).map((o) => o.details)).toEqual([
      { from: 'available', to: 'missing' },
      { from: 'missing', to: 'repair' },
      { from: 'repair', to: 'available' },
    ]);
    const out = await call(app, counter, 'POST', '/api/circulation/checkout', {
      patron: { cardBarcode: lib.cards.alice },
      itemBarcode: '5000001',
      locationId: lib.mainId,
    });
    expect(out.status, await out.clone().text()).toBe(200);
    expect((await status('missing')).status).toBe(409);
    const withdrawOnLoan = await call(app, librarian, 'POST', `/api/items/${itemId}/withdraw`, {
      reason: '汚損',
    });
    expect(withdrawOnLoan.status).toBe(409);
    await call(app, counter, 'POST', '/api/circulation/return', {
      itemBarcode: '5000001',
      locationId: lib.mainId,
    });
  });

  it('withdraws (除籍) with a reason; a withdrawn copy is not edited and leaves the counts', async () => {
    const res = await call(app, librarian, 'POST', `/api/items/${itemId}/withdraw`, { reason: '汚損' });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'withdrawn' });
    expect((await operations('item.withdraw'))[0]!.details).toEqual({ from: 'available', reason: '汚損' });
    expect((await call(app, librarian, 'PATCH', `/api/items/${itemId}`, { shelf: 'x' })).status).toBe(409);
    expect(
      (await call(app, librarian, 'POST', `/api/items/${itemId}/withdraw`, { reason: 'x' })).status,
    ).toBe(409);
    const found = await call(
      app,
      librarian,
      'GET',
      `/api/bibs?${new URLSearchParams({ q: '星の王子さま' })}`,
    );
    const [summary] = ((await found.json()) as { items: { itemCount: number }[] }).items;
    expect(summary!.itemCount).toBe(2); // the two other copies
  });
});
