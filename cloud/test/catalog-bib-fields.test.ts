// 書誌の新規作成と編集: every field of the model through POST/PATCH /api/bibs, readings folded to
// katakana, every refused field reported at once with its path, and the operation log naming the
// fields whose value changed.
import { ean13CheckDigit, isbn10To13 } from '@bunko/protocols';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.ts';
import { bibRecords, operationLog } from '../src/db/schema/index.ts';
import { makeLibrary } from './support/library-fixture.ts';
import { call, login, testApp } from './support/test-app.ts';
import { freshDatabase } from './support/test-db.ts';

let database: Database;
let app: ReturnType<typeof testApp>;
let lib: Awaited<ReturnType<typeof makeLibrary>>;
let librarian: string;

beforeAll(async () => {
  database = await freshDatabase();
  app = testApp(database);
  lib = await makeLibrary(database, 'bibf');
  librarian = await login(app, 'bibf', 'librarian');
});
afterAll(async () => {
  await database?.close();
});

/** 4-7808-0213-X: an ISBN-10 whose check character is X */
const ISBN10 = '4-7808-0213-X';
const ISBN13 = isbn10To13('478080213X');

/** every field of the model, readings typed in hiragana and half-width katakana */
const NEW_RECORD = {
  title: '竹富島の民具',
  titleReading: 'たけとみじま の みんぐ',
  otherTitles: [
    { kind: 'parallel', title: 'Folk tools of Taketomi', reading: 'FOLK TOOLS' },
    { kind: 'alternative', title: 'てぃーだの道具箱', reading: 'てぃーだ ノ どうぐばこ' },
  ],
  authors: [
    { name: '新城 海人', reading: 'ｱﾗｼﾛ ｶｲﾄ', role: '著' },
    { name: '上勢頭 花', reading: 'うえせど はな', role: '絵' },
  ],
  responsibility: '新城海人 著 ; 上勢頭花 絵',
  edition: '初版',
  publisher: '瑞木書房',
  pubPlace: '竹富町',
  pubDate: '2023.11',
  pubYear: 2023,
  extent: '95p ; 26cm',
  isbn: ISBN10,
  ndc: '３８３．９３',
  materialType: 'reference',
  seriesTitle: '島の暮らし',
  volume: '2',
  language: 'JPN',
  subjects: [{ term: '民具', reading: 'みんぐ', scheme: 'ndlsh' }],
  notes: ['付: 地図1枚'],
  summary: '竹富島に伝わる民具を図解する。',
  trcNumber: '23110001',
  jpNumber: '23112222',
  sourceIds: { TRC: '23110001', JTNDL: '033000001' },
};

type Bib = {
  id: string;
  title: string;
  titleReading: string;
  authors: { name: string; reading?: string; role?: string }[];
  otherTitles: { kind: string; title: string; reading?: string }[];
  subjects: { term: string; reading?: string; scheme?: string }[];
  isbn: string | null;
  isbn10: string | null;
  ndc: string | null;
  language: string;
  materialType: string | null;
  notes: string[];
  updatedAt: string;
};
type Problem = { issues?: { path: string; message: string }[] };

async function updates(bibId: string) {
  const rows = await database.db
    .select({ details: operationLog.details })
    .from(operationLog)
    .where(
      and(
        eq(operationLog.tenantId, lib.tenantId),
        eq(operationLog.action, 'bib.update'),
        eq(operationLog.targetId, bibId),
      ),
    )
    .orderBy(asc(operationLog.seq));
  return rows.map((r) => (r.details as { fields: string[] }).fields);
}

async function searchIds(q: string) {
  const res = await call(app, librarian, 'GET', `/api/bibs?${new URLSearchParams({ q })}`);
  return ((await res.json()) as { items: { id: string }[] }).items.map((i) => i.id);
}

describe('新規書誌 and 書誌の編集 through the API', () => {
  let bib: Bib;

  it('creates a record with every field, readings in katakana, the ISBN in both forms, logged', async () => {
    const res = await call(app, librarian, 'POST', '/api/bibs', NEW_RECORD);
    expect(res.status, await res.clone().text()).toBe(200);
    bib = (await res.json()) as Bib;
    expect(bib).toMatchObject({
      title: '竹富島の民具',
      titleReading: 'タケトミジマ ノ ミング',
      otherTitles: [
        { kind: 'parallel', title: 'Folk tools of Taketomi', reading: 'FOLK TOOLS' },
        { kind: 'alternative', title: 'てぃーだの道具箱', reading: 'ティーダ ノ ドウグバコ' },
      ],
      authors: [
        { name: '新城 海人', reading: 'アラシロ カイト', role: '著' },
        { name: '上勢頭 花', reading: 'ウエセド ハナ', role: '絵' },
      ],
      isbn: ISBN13,
      isbn10: '478080213X',
      ndc: '383.93',
      language: 'jpn',
      materialType: 'reference',
      subjects: [{ term: '民具', reading: 'ミング', scheme: 'ndlsh' }],
      notes: ['付: 地図1枚'],
      pubYear: 2023,
      sourceIds: { TRC: '23110001', JTNDL: '033000001' },
    });
    const [op] = await database.db
      .select()
      .from(operationLog)
      .where(and(eq(operationLog.action, 'bib.create'), eq(operationLog.targetId, bib.id)));
    expect(op).toMatchObject({ staffLoginId: 'librarian', targetType: 'bib' });
    expect((op!.details as { fields: string[] }).fields).toEqual(
      Object.keys(NEW_RECORD)
        .filter((k) => k !== 'title')
        .concat('title')
        .sort(),
    );
  });

  it('finds the new record by its reading (in either kana) and by its other titles', async () => {
    expect(await searchIds('タケトミジマ')).toEqual([bib.id]);
    expect(await searchIds('たけとみじま の みんぐ')).toEqual([bib.id]);
    expect(await searchIds('Folk tools of Taketomi')).toEqual([bib.id]);
    expect(await searchIds('てぃーだの道具箱')).toEqual([bib.id]);
    expect(await searchIds('title:ドウグバコ')).toEqual([bib.id]);
    expect(await searchIds('author:ウエセド')).toEqual([bib.id]);
    expect(await searchIds('subject:ミング')).toEqual([bib.id]);
  });

  it('updates each field, logging only the fields whose value changed', async () => {
    const steps: [object, string[]][] = [
      [
        { otherTitles: [{ kind: 'contents', title: '芭蕉布の話', reading: 'ばしょうふ ノ ハナシ' }] },
        ['otherTitles'],
      ],
      [{ materialType: 'book' }, ['materialType']],
      [{ materialType: null }, ['materialType']],
      [{ subjects: [{ term: '民具', reading: 'ミング', scheme: 'bsh' }] }, ['subjects']],
      [{ authors: [{ name: '新城 海人', reading: 'アラシロ カイト', role: '編' }] }, ['authors']],
      [{ notes: ['付: 地図1枚', '索引あり'] }, ['notes']],
      [{ isbn: '978-4-7808-0213-9', titleReading: 'タケトミジマ ノ ミング' }, []],
      [{ isbn: null, ndc: '383', language: 'eng', pubYear: 2024 }, ['isbn', 'language', 'ndc', 'pubYear']],
      [{ titleReading: 'たけとみ ノ みんぐ', title: '竹富島の民具' }, ['titleReading']],
    ];
    // ISBN13 is the same book as the ISBN-10 (978-4-7808-0213-9): the one save above changes nothing
    expect(ISBN13).toBe('9784780802139');
    for (const [patch, fields] of steps) {
      const before = await updates(bib.id);
      const res = await call(app, librarian, 'PATCH', `/api/bibs/${bib.id}`, patch);
      expect(res.status, await res.clone().text()).toBe(200);
      const after = await updates(bib.id);
      if (fields.length === 0) expect(after).toEqual(before);
      else expect(after.at(-1), JSON.stringify(patch)).toEqual(fields);
    }
    const saved = (await (await call(app, librarian, 'GET', `/api/bibs/${bib.id}`)).json()) as Bib;
    expect(saved).toMatchObject({
      titleReading: 'タケトミ ノ ミング',
      otherTitles: [{ kind: 'contents', title: '芭蕉布の話', reading: 'バショウフ ノ ハナシ' }],
      materialType: null,
      subjects: [{ term: '民具', reading: 'ミング', scheme: 'bsh' }],
      authors: [{ name: '新城 海人', reading: 'アラシロ カイト', role: '編' }],
      notes: ['付: 地図1枚', '索引あり'],
      isbn: null,
      isbn10: null,
      ndc: '383',
      language: 'eng',
    });
    expect(await searchIds('芭蕉布の話')).toEqual([bib.id]);
    expect(await searchIds('Folk tools of Taketomi')).toEqual([]);
  });

  it('refuses bad fields all at once, each at its path with a Japanese message, and writes nothing', async () => {
    const [before] = await database.db.select().from(bibRecords).where(eq(bibRecords.id, bib.id));
    const first12 = '978478080213';
    const wrongCheck = first12 + ((Number(ean13CheckDigit(first12)) + 1) % 10);
    const res = await call(app, librarian, 'PATCH', `/api/bibs/${bib.id}`, {
      title: '変えてはいけない',
      titleReading: '竹富',
      authors: [
        { name: '新城 海人', reading: 'アラシロ' },
        { name: '比嘉', reading: '比嘉' },
      ],
      otherTitles: [{ kind: 'parallel', title: 'x', reading: '漢字' }],
      subjects: [{ term: '民具', reading: '民具' }],
      isbn: wrongCheck,
      ndc: '91',
      language: 'xyz',
      pubYear: 3000,
      materialType: 'scroll',
    });
    expect(res.status).toBe(400);
    const problem = (await res.json()) as Problem;
    expect(problem.issues!.map((i) => i.path).sort()).toEqual([
      'authors.1.reading',
      'isbn',
      'language',
      'materialType',
      'ndc',
      'otherTitles.0.reading',
      'pubYear',
      'subjects.0.reading',
      'titleReading',
    ]);
    const message = (path: string) => problem.issues!.find((i) => i.path === path)!.message;
    expect(message('titleReading')).toContain('カタカナ');
    expect(message('isbn')).toContain('チェックデジット');
    expect(message('ndc')).toContain('913.6');
    expect(message('materialType')).toContain('scroll');
    const [after] = await database.db.select().from(bibRecords).where(eq(bibRecords.id, bib.id));
    expect(after).toEqual(before);

    // the shape is checked first: a blank author name and a blank other title, at their paths
    const blank = await call(app, librarian, 'POST', '/api/bibs', {
      title: '  ',
      authors: [{ name: '' }],
      otherTitles: [{ kind: 'alternative', title: ' ' }],
      pubYear: 'nineteen',
    });
    expect(blank.status).toBe(400);
    const shape = (await blank.json()) as Problem;
    expect(shape.issues!.map((i) => i.path).sort()).toEqual([
      'authors.0.name',
      'otherTitles.0.title',
      'pubYear',
      'title',
    ]);
    expect(shape.issues!.find((i) => i.path === 'title')!.message).toContain('書名を入力してください');
    expect(await searchIds('変えてはいけない')).toEqual([]);
  });

  it('takes an ISBN-10 with a wrong check character as wrong, and an ISBN-13 outside 978/979 as no ISBN', async () => {
    const bad = async (isbn: string) => {
      const res = await call(app, librarian, 'POST', '/api/bibs', { title: 'ISBN検査', isbn });
      expect(res.status).toBe(400);
      return ((await res.json()) as Problem).issues!.map((i) => `${i.path}: ${i.message}`);
    };
    expect((await bad('4-7808-0213-1'))[0]).toMatch(/^isbn: ISBNのチェックデジット/);
    expect((await bad('1234567890128'))[0]).toMatch(/^isbn: ISBNは10桁か13桁/);
    const res = await call(app, librarian, 'POST', '/api/bibs', {
      title: 'ISBN検査',
      isbn: '979-10-90636-07-1',
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toMatchObject({ isbn: '9791090636071', isbn10: null });
  });
});
