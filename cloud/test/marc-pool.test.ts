import { ean13CheckDigit, isbn13To10 } from '@bunko/protocols';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.ts';
import { bibRecords, items, operationLog } from '../src/db/schema/index.ts';
import type { BibFields } from '../src/domain/marc/bib-fields.ts';
import { bibToMarc } from '../src/domain/marc/bib-to-marc.ts';
import { encodeIso2709 } from '../src/domain/marc/iso2709-writer.ts';
import { makeLibrary } from './support/library-fixture.ts';
import { call, login, testApp } from './support/test-app.ts';
import { freshDatabase } from './support/test-db.ts';

let database: Database;
let app: ReturnType<typeof testApp>;
let lib: Awaited<ReturnType<typeof makeLibrary>>;
let librarian: string;
let counter: string;

const isbn = (n: number) => {
  const first12 = `97849009${String(n).padStart(4, '0')}`;
  return first12 + ean13CheckDigit(first12);
};

const EMPTY: BibFields = {
  title: '',
  titleReading: '',
  responsibility: '',
  otherTitles: [],
  authors: [],
  edition: '',
  publisher: '',
  pubPlace: '',
  pubDate: '',
  pubYear: null,
  extent: '',
  isbn: null,
  isbn10: null,
  ndc: null,
  subjects: [],
  seriesTitle: null,
  volume: null,
  language: 'jpn',
  notes: [],
  summary: '',
  trcNumber: null,
  jpNumber: null,
  sourceIds: {},
};

/** A delivery as a supplier sends it: MARC 21 records with the copies' barcodes in 852 $p. */
function delivery(records: { trc: string; title: string; reading: string; n: number; barcodes: string[] }[]) {
  return Buffer.concat(
    records.map((r) => {
      const marc = bibToMarc({
        ...EMPTY,
        title: r.title,
        titleReading: r.reading,
        authors: [{ name: '宮良 星子', reading: 'ミヤラ セイコ' }],
        ndc: '913.6',
        isbn: isbn(r.n),
        isbn10: isbn13To10(isbn(r.n)),
        trcNumber: r.trc,
        sourceIds: { TRC: r.trc },
        id: '00000000-0000-4000-8000-000000000000',
        createdAt: new Date('2026-11-20T00:00:00Z'),
        updatedAt: new Date('2026-11-20T00:00:00Z'),
      });
      marc.fields.push({
        tag: '852',
        ind1: ' ',
        ind2: ' ',
        subfields: r.barcodes.map((b) => ({ code: 'p', value: b })),
      });
      return encodeIso2709(marc);
    }),
  );
}

async function load(body: Buffer) {
  const res = await app.request('/api/marc/pool?mapping=marc21', {
    method: 'POST',
    headers: { cookie: librarian, 'content-type': 'application/marc' },
    body,
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as { processed: number; loaded: number; rejected: number };
}

type PoolRecord = {
  id: string;
  sourceKey: string;
  title: string;
  barcodes: string[];
  adoptedBibId: string | null;
};
const find = async (q: string) => {
  const res = await call(app, librarian, 'GET', `/api/marc/pool?${q}`);
  expect(res.status).toBe(200);
  return (await res.json()) as PoolRecord[];
};

beforeAll(async () => {
  database = await freshDatabase();
  app = testApp(database);
  lib = await makeLibrary(database, 'pool');
  librarian = await login(app, 'pool', 'librarian');
  counter = await login(app, 'pool', 'counter');
});
afterAll(async () => {
  await database?.close();
});

describe('MARC pool (copy cataloguing)', () => {
  it('loads a weekly delivery apart from the catalogue; a record delivered again replaces its version', async () => {
    const first = await load(
      delivery([
        {
          trc: '26000001',
          title: '八重山の星',
          reading: 'ヤエヤマ ノ ホシ',
          n: 1,
          barcodes: ['7000001', '7000002'],
        },
        {
          trc: '26000002',
          title: '竹富島の夏',
          reading: 'タケトミジマ ノ ナツ',
          n: 2,
          barcodes: ['7000003'],
        },
      ]),
    );
    expect(first).toMatchObject({ processed: 2, loaded: 2, rejected: 0 });
    const again = await load(
      delivery([
        {
          trc: '26000002',
          title: '竹富島の夏 新版',
          reading: 'タケトミジマ ノ ナツ',
          n: 2,
          barcodes: ['7000003'],
        },
      ]),
    );
    expect(again.loaded).toBe(1);
    expect((await find(`isbn=${isbn(2)}`)).map((r) => r.title)).toEqual(['竹富島の夏 新版']);
    // not in the catalogue until adopted
    const search = await call(app, librarian, 'GET', `/api/bibs?q=${encodeURIComponent('八重山の星')}`);
    expect(((await search.json()) as { total: number }).total).toBe(0);
  });

  it('finds a pool record by ISBN (either form) or by the barcode the supplier put on the book', async () => {
    expect((await find(`isbn=${isbn13To10(isbn(1))}`)).map((r) => r.sourceKey)).toEqual(['TRC:26000001']);
    const [byScan] = await find('barcode=7000002');
    expect(byScan).toMatchObject({
      title: '八重山の星',
      barcodes: ['7000001', '7000002'],
      adoptedBibId: null,
    });
    expect(await find('barcode=7999999')).toEqual([]);
    expect((await call(app, librarian, 'GET', '/api/marc/pool?isbn=12345')).status).toBe(400);
  });

  it('adopts the scanned record and adds its copies in one step (受入), idempotently', async () => {
    const [rec] = await find('barcode=7000001');
    const adopt = () =>
      call(app, librarian, 'POST', `/api/marc/pool/${rec!.id}/adopt`, {
        items: [{ locationId: lib.mainId }, { locationId: lib.branchId, shelf: '郷土' }],
      });
    const res = await adopt();
    expect(res.status, await res.clone().text()).toBe(200);
    const first = (await res.json()) as { bibId: string; outcome: string; itemIds: string[] };
    expect(first.outcome).toBe('created');
    expect(first.itemIds).toHaveLength(2);
    const copies = await database.db
      .select({ barcode: items.barcode, callNumber: items.callNumber, shelf: items.shelf })
      .from(items)
      .where(and(eq(items.tenantId, lib.tenantId), eq(items.bibId, first.bibId)))
      .orderBy(items.barcode);
    expect(copies).toEqual([
      { barcode: '7000001', callNumber: '913.6/ミ', shelf: '' },
      { barcode: '7000002', callNumber: '913.6/ミ', shelf: '郷土' },
    ]);
    const [bib] = await database.db.select().from(bibRecords).where(eq(bibRecords.id, first.bibId));
    expect(bib).toMatchObject({ title: '八重山の星', trcNumber: '26000001', isbn: isbn(1) });
    // scanning the same book again: the same record, no second copies
    const second = (await (await adopt()).json()) as {
      bibId: string;
      outcome: string;
      itemIds: string[];
      skippedBarcodes: string[];
    };
    expect(second).toMatchObject({
      bibId: first.bibId,
      outcome: 'unchanged',
      itemIds: [],
      skippedBarcodes: ['7000001', '7000002'],
    });
    expect((await find('barcode=7000001'))[0]!.adoptedBibId).toBe(first.bibId);
    const ops = await database.db
      .select({ action: operationLog.action })
      .from(operationLog)
      .where(and(eq(operationLog.tenantId, lib.tenantId), eq(operationLog.targetId, first.bibId)));
    expect(ops.map((o) => o.action).sort()).toEqual(['bib.create', 'marcPool.adopt', 'marcPool.adopt']);
  });

  it('adds nothing when a copy cannot be added, and needs the permissions', async () => {
    const [rec] = await find(`isbn=${isbn(2)}`);
    const res = await call(app, librarian, 'POST', `/api/marc/pool/${rec!.id}/adopt`, {
      items: [{ locationId: lib.mainId }, { locationId: lib.mainId }], // the delivery has one barcode
    });
    expect(res.status).toBe(400);
    const none = await call(app, librarian, 'GET', `/api/bibs?q=${encodeURIComponent('竹富島')}`);
    expect(((await none.json()) as { total: number }).total).toBe(0);
    expect((await call(app, counter, 'POST', `/api/marc/pool/${rec!.id}/adopt`, { items: [] })).status).toBe(
      403,
    );
    const upload = await app.request('/api/marc/pool', {
      method: 'POST',
      headers: { cookie: counter, 'content-type': 'application/marc' },
      body: delivery([]),
    });
    expect(upload.status).toBe(403);
  });

  it('adopts a second volume sharing the ISBN under its own TRC number as a record of its own', async () => {
    await load(
      delivery([
        {
          trc: '26000009',
          title: '八重山の星 下',
          reading: 'ヤエヤマ ノ ホシ ゲ',
          n: 1,
          barcodes: ['7000009'],
        },
      ]),
    );
    const [rec] = await find('barcode=7000009');
    const res = await call(app, librarian, 'POST', `/api/marc/pool/${rec!.id}/adopt`, {
      items: [{ locationId: lib.mainId }],
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const adopted = (await res.json()) as { bibId: string; outcome: string };
    expect(adopted.outcome).toBe('created');
    const first = (await find('barcode=7000001'))[0]!.adoptedBibId;
    expect(adopted.bibId).not.toBe(first);
    const [before] = await database.db.select().from(bibRecords).where(eq(bibRecords.id, first!));
    expect(before).toMatchObject({ title: '八重山の星', trcNumber: '26000001' });
  });
});
