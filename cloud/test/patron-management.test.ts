import { and, eq } from 'drizzle-orm';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.ts';
import { operationLog, patrons, tenants } from '../src/db/schema/index.ts';
import { addDays } from '../src/domain/calendar/dates.ts';
import { makeLibrary } from './support/library-fixture.ts';
import { addStaffWith, call, login, testApp } from './support/test-app.ts';
import { freshDatabase } from './support/test-db.ts';

let database: Database;
let app: ReturnType<typeof testApp>;
let lib: Awaited<ReturnType<typeof makeLibrary>>;
let librarian: string;
let counter: string;

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely in assertions
type Json = Record<string, any> & { code?: string };
const send = async (cookie: string, method: string, path: string, body?: unknown) => {
  const res = await call(app, cookie, method, path, body);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : {}) as Json };
};

const adult = {
  categoryCode: 'general',
  name: '石垣 花子',
  nameReading: 'いしがき はなこ',
  birthDate: '1985-04-01',
  postalCode: '907-0004',
  address: '沖縄県石垣市登野城1丁目2番地3号',
  phone: '0980-82-0000',
  email: 'hanako@example.jp',
  residency: 'taketomi',
};

const logEntries = (targetId: string, action: string) =>
  database.db
    .select()
    .from(operationLog)
    .where(and(eq(operationLog.targetId, targetId), eq(operationLog.action, action)));

beforeAll(async () => {
  database = await freshDatabase();
  lib = await makeLibrary(database, 'pm');
  // the library's own residency kinds, as data: Ishigaki serves two neighbouring towns
  await database.db
    .update(tenants)
    .set({
      settings: {
        patronRegistration: {
          residencies: [
            { code: 'resident', nameJa: '市内在住', nameEn: 'Resident' },
            { code: 'worker', nameJa: '市内在勤', nameEn: 'Works in the city' },
            { code: 'student', nameJa: '市内在学', nameEn: 'Studies in the city' },
            { code: 'taketomi', nameJa: '竹富町', nameEn: 'Taketomi' },
            { code: 'yonaguni', nameJa: '与那国町', nameEn: 'Yonaguni' },
          ],
          validYears: 3,
          guardianCategories: ['child'],
          organizationCategories: ['group'],
        },
      },
    })
    .where(eq(tenants.id, lib.tenantId));
  app = testApp(database);
  librarian = await login(app, 'pm', 'librarian');
  counter = await login(app, 'pm', 'counter');
});
afterAll(async () => {
  await database?.close();
});

let hanakoId = '';

describe('registration', () => {
  it('reports every invalid field at once, with where and why', async () => {
    const r = await send(librarian, 'POST', '/api/patrons', {
      ...adult,
      categoryCode: 'child',
      nameReading: 'Ishigaki',
      residency: 'naha',
      birthDate: addDays(lib.today, 3),
      homeLocationId: '00000000-0000-4000-8000-000000000000',
      cardBarcode: '30000001',
    });
    expect(r.status).toBe(400);
    const paths = (r.body.issues as { path: string }[]).map((i) => i.path).sort();
    expect(paths).toEqual(['birthDate', 'guardianId', 'homeLocationId', 'nameReading', 'residency']);
  });

  it('refuses a malformed e-mail address in the request itself', async () => {
    const r = await send(librarian, 'POST', '/api/patrons', {
      ...adult,
      email: 'not-mail',
      cardBarcode: '30000001',
    });
    expect(r.status).toBe(400);
    expect(r.body.issues[0].path).toBe('email');
  });

  it('registers a neighbouring-town patron with a card, reading in katakana, expiry from the settings', async () => {
    const r = await send(librarian, 'POST', '/api/patrons', { ...adult, cardBarcode: '30000001' });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('registered');
    hanakoId = r.body.patronId;
    expect(r.body.expiresOn).toBe(`${Number(lib.today.slice(0, 4)) + 3}${lib.today.slice(4)}`);
    const [row] = await database.db.select().from(patrons).where(eq(patrons.id, hanakoId));
    expect(row!.nameReading).toBe('イシガキ ハナコ');
    expect(row!.residency).toBe('taketomi');
    const [entry] = await logEntries(hanakoId, 'patron.register');
    expect(entry!.details).toMatchObject({ category: 'general', residency: 'taketomi' });
    expect(JSON.stringify(entry)).not.toContain('花子');
    expect(JSON.stringify(entry)).not.toContain('登野城');
  });

  it('refuses a card number already in use', async () => {
    const r = await send(librarian, 'POST', '/api/patrons', {
      ...adult,
      name: '別人',
      nameReading: 'ベツジン',
      cardBarcode: '30000001',
    });
    expect(r.status).toBe(400);
    expect(r.body.issues).toEqual([{ path: 'cardBarcode', message: 'this card number is already in use' }]);
  });

  it('warns of a likely duplicate (same reading, birth date, address written differently) until confirmed', async () => {
    const again = {
      ...adult,
      nameReading: 'イシガキ　ハナコ',
      address: '沖縄県石垣市登野城１－２－３',
      cardBarcode: '30000002',
    };
    const warned = await send(librarian, 'POST', '/api/patrons', again);
    expect(warned.status).toBe(200);
    expect(warned.body.status).toBe('duplicateSuspected');
    expect(warned.body.candidates).toEqual([
      expect.objectContaining({ id: hanakoId, name: '石垣 花子', cardLast4: '0001' }),
    ]);
    // the candidates carry the minimum only
    expect(JSON.stringify(warned.body)).not.toContain('1985');
    const check = await send(librarian, 'POST', '/api/patrons/duplicates', {
      nameReading: 'イシガキハナコ',
      birthDate: adult.birthDate,
      address: adult.address,
    });
    expect(check.body.candidates).toHaveLength(1);
    // a different birth date is another person
    const other = await send(librarian, 'POST', '/api/patrons/duplicates', {
      nameReading: 'イシガキハナコ',
      birthDate: '1986-04-01',
    });
    expect(other.body.candidates).toHaveLength(0);
    const confirmed = await send(librarian, 'POST', '/api/patrons', { ...again, confirmDuplicate: true });
    expect(confirmed.body.status).toBe('registered');
    const [entry] = await logEntries(confirmed.body.patronId, 'patron.register');
    expect(entry!.details).toMatchObject({ confirmedDespiteDuplicates: [hanakoId] });
  });

  it('registers a child only with a guardian who is an adult patron, and links them', async () => {
    const child = {
      categoryCode: 'child',
      name: '石垣 太郎',
      nameReading: 'イシガキ タロウ',
      birthDate: '2018-06-01',
      residency: 'resident',
      cardBarcode: '30000010',
    };
    const none = await send(librarian, 'POST', '/api/patrons', child);
    expect(none.body.issues).toEqual([{ path: 'guardianId', message: expect.stringContaining('guardian') }]);
    const ok = await send(librarian, 'POST', '/api/patrons', { ...child, guardianId: hanakoId });
    expect(ok.body.status).toBe('registered');
    // a child cannot be another child's guardian
    const bad = await send(librarian, 'POST', '/api/patrons', {
      ...child,
      name: '弟',
      nameReading: 'オトウト',
      cardBarcode: '30000011',
      guardianId: ok.body.patronId,
    });
    expect(bad.status).toBe(400);
    const full = await send(librarian, 'GET', `/api/patrons/${hanakoId}/full`);
    expect(full.body.full.wards).toEqual([
      expect.objectContaining({ id: ok.body.patronId, name: '石垣 太郎' }),
    ]);
    const childFull = await send(librarian, 'GET', `/api/patrons/${ok.body.patronId}/full`);
    expect(childFull.body.full.guardian).toMatchObject({ id: hanakoId });
  });

  it('registers a group (団体) without a birth date', async () => {
    const r = await send(librarian, 'POST', '/api/patrons', {
      categoryCode: 'group',
      name: '石垣小学校',
      nameReading: 'イシガキショウガッコウ',
      residency: 'resident',
      cardBarcode: '30000020',
    });
    expect(r.body.status).toBe('registered');
  });

  it('needs patrons.write: counter staff cannot register', async () => {
    const r = await send(counter, 'POST', '/api/patrons', { ...adult, cardBarcode: '30000099' });
    expect(r.status).toBe(403);
  });
});

describe('views and search', () => {
  it('shows counter staff the minimum; the full record needs patrons.readFull and every view is logged', async () => {
    const min = await send(counter, 'GET', `/api/patrons/${hanakoId}`);
    expect(min.status).toBe(200);
    expect(min.body.full).toBeNull();
    expect(JSON.stringify(min.body)).not.toContain('登野城');
    expect(JSON.stringify(min.body)).not.toContain('1985');
    const denied = await send(counter, 'GET', `/api/patrons/${hanakoId}/full`);
    expect(denied.status).toBe(403);
    const before = (await logEntries(hanakoId, 'patron.viewFull')).length;
    const full = await send(librarian, 'GET', `/api/patrons/${hanakoId}/full`);
    expect(full.body.full).toMatchObject({ address: adult.address, birthDate: adult.birthDate });
    const after = await logEntries(hanakoId, 'patron.viewFull');
    expect(after).toHaveLength(before + 1);
    expect(after.at(-1)!.staffLoginId).toBe('librarian');
    expect(JSON.stringify(after.at(-1)!.details)).not.toContain('登野城');
  });

  it('finds patrons by reading (hiragana too), name or card, with minimal fields', async () => {
    const byReading = await send(counter, 'GET', `/api/patrons?q=${encodeURIComponent('いしがき')}`);
    expect(byReading.body.patrons.map((p: Json) => p.name)).toContain('石垣 花子');
    const byCard = await send(counter, 'GET', '/api/patrons?q=30000001');
    expect(byCard.body.patrons).toEqual([expect.objectContaining({ id: hanakoId, card: '30000001' })]);
    expect(JSON.stringify(byReading.body)).not.toContain('登野城');
  });

  it('changes contact details, logging only the field names', async () => {
    const r = await send(librarian, 'PATCH', `/api/patrons/${hanakoId}`, { phone: '0980-88-1234' });
    expect(r.body.fields).toEqual(['phone']);
    const [entry] = await logEntries(hanakoId, 'patron.update');
    expect(entry!.details).toEqual({ fields: ['phone'] });
    const bad = await send(librarian, 'PATCH', `/api/patrons/${hanakoId}`, { residency: 'naha' });
    expect(bad.status).toBe(400);
  });

  it('refuses a change that makes the registration look like another one unless staff confirm it', async () => {
    const twin = await send(librarian, 'POST', '/api/patrons', {
      ...adult,
      birthDate: '1990-01-01',
      cardBarcode: '30000050',
    });
    expect(twin.body.status).toBe('registered');
    const id = twin.body.patronId as string;
    // the birth date typed wrong at registration is corrected to 花子's: the same reading, birth date and address
    const refused = await send(librarian, 'PATCH', `/api/patrons/${id}`, { birthDate: adult.birthDate });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'duplicate', issues: [{ path: 'nameReading' }] });
    expect((await send(librarian, 'GET', `/api/patrons/${id}/full`)).body.full.birthDate).toBe('1990-01-01');
    expect(await logEntries(id, 'patron.update')).toHaveLength(0);
    // a change that leaves reading, birth date and address alone is not checked
    expect((await send(librarian, 'PATCH', `/api/patrons/${id}`, { phone: '0980-88-0000' })).status).toBe(
      200,
    );
    const confirmed = await send(librarian, 'PATCH', `/api/patrons/${id}`, {
      birthDate: adult.birthDate,
      confirmDuplicate: true,
    });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.fields).toEqual(['birthDate']);
    expect((await send(librarian, 'GET', `/api/patrons/${id}/full`)).body.full.birthDate).toBe(
      adult.birthDate,
    );
  });
});

describe('cards, renewal, suspension and alerts', () => {
  const checkout = (card: string, itemBarcode: string) =>
    send(counter, 'POST', '/api/circulation/checkout', {
      patron: { cardBarcode: card },
      itemBarcode,
      locationId: lib.mainId,
    });

  it('reissues a card: the old one is refused at checkout as 再発行済みの旧カード, the new one lends', async () => {
    const r = await send(librarian, 'POST', `/api/patrons/${hanakoId}/cards`, { cardBarcode: '30000003' });
    expect(r.body).toMatchObject({ cardBarcode: '30000003', blockedCards: 1 });
    const old = await checkout('30000001', '1000008');
    expect(old.status).toBe(409);
    expect(old.body.code).toBe('cardReplaced');
    expect(old.body.messageJa).toContain('再発行済みの旧カード');
    const lookup = await send(counter, 'GET', '/api/patrons/by-card/30000001');
    expect(lookup.body.code).toBe('cardReplaced');
    const fresh = await checkout('30000003', '1000008');
    expect(fresh.status).toBe(200);
  });

  it('blocks a card reported lost with its own reason', async () => {
    await send(librarian, 'POST', `/api/patrons/${hanakoId}/cards/lost`);
    const r = await checkout('30000003', '1000009');
    expect(r.body.code).toBe('cardLost');
    await send(librarian, 'POST', `/api/patrons/${hanakoId}/cards`, { cardBarcode: '30000004' });
    expect((await checkout('30000003', '1000009')).body.code).toBe('cardLost');
  });

  it('suspends with a reason and a period (checkout refused), lifts, and renews an expired registration', async () => {
    const s = await send(librarian, 'POST', `/api/patrons/${hanakoId}/suspend`, {
      reason: '資料の汚損について面談待ち',
      until: addDays(lib.today, 30),
    });
    expect(s.body).toMatchObject({ status: 'suspended', suspendedUntil: addDays(lib.today, 30) });
    expect((await checkout('30000004', '1000009')).body.code).toBe('patronSuspended');
    const [entry] = await logEntries(hanakoId, 'patron.suspend');
    expect(JSON.stringify(entry!.details)).not.toContain('汚損');
    const full = await send(librarian, 'GET', `/api/patrons/${hanakoId}/full`);
    expect(full.body.full.suspensionReason).toBe('資料の汚損について面談待ち');
    await send(librarian, 'POST', `/api/patrons/${hanakoId}/suspend/lift`);
    await database.db
      .update(patrons)
      .set({ expiresOn: addDays(lib.today, -1), status: 'expired' })
      .where(eq(patrons.id, hanakoId));
    expect((await checkout('30000004', '1000009')).body.code).toBe('patronExpired');
    const renewed = await send(librarian, 'POST', `/api/patrons/${hanakoId}/renew`);
    expect(renewed.body.status).toBe('active');
    expect(renewed.body.expiresOn > lib.today).toBe(true);
    expect((await checkout('30000004', '1000009')).status).toBe(200);
  });

  it('shows open alerts to the counter with the card lookup; closed ones disappear', async () => {
    const note = await send(librarian, 'POST', `/api/patrons/${hanakoId}/notes`, {
      kind: 'alert',
      text: '住所変更の確認をお願いします',
    });
    await send(librarian, 'POST', `/api/patrons/${hanakoId}/notes`, { kind: 'note', text: '内部メモ' });
    const seen = await send(counter, 'GET', '/api/patrons/by-card/30000004');
    expect(seen.body.alerts.map((a: Json) => a.text)).toEqual(['住所変更の確認をお願いします']);
    await send(librarian, 'POST', `/api/patrons/${hanakoId}/notes/${note.body.id}/close`);
    expect((await send(counter, 'GET', '/api/patrons/by-card/30000004')).body.alerts).toEqual([]);
    const [entry] = await logEntries(hanakoId, 'patron.addNote');
    expect(JSON.stringify(entry!.details)).not.toContain('住所');
  });
});

describe('tenancy', () => {
  it('never shows or changes a patron of another library', async () => {
    const other = await makeLibrary(database, 'pm2');
    const cookie = await login(app, 'pm2', 'admin');
    expect(other.tenantId).not.toBe(lib.tenantId);
    expect((await send(cookie, 'GET', `/api/patrons/${hanakoId}`)).status).toBe(404);
    expect((await send(cookie, 'GET', `/api/patrons/${hanakoId}/full`)).status).toBe(404);
    expect((await send(cookie, 'GET', `/api/patrons/${hanakoId}/disclosure`)).status).toBe(404);
    expect((await send(cookie, 'POST', `/api/patrons/${hanakoId}/renew`)).status).toBe(404);
    expect((await send(cookie, 'GET', '/api/patrons?q=30000004')).body.patrons).toEqual([]);
  });
});

describe('開示 (disclosure export)', () => {
  it('exports everything held about the patron as a JSON file, logged, with patrons.export only', async () => {
    const res = await call(app, librarian, 'GET', `/api/patrons/${hanakoId}/disclosure`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="disclosure-.*\.json"/);
    const doc = (await res.json()) as Json;
    expect(doc.patron.full.address).toBe(adult.address);
    expect(doc.patron.cards.map((c: Json) => c.status)).toEqual(['replaced', 'lost', 'active']);
    expect(doc.currentLoans.map((l: Json) => l.itemBarcode)).toEqual(['1000008', '1000009']);
    expect(doc.patron.full.notes).toHaveLength(2);
    const actions = doc.operationLog.map((e: Json) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['patron.register', 'patron.reissueCard', 'patron.viewFull']),
    );
    expect(actions).toContain('loan.checkout');
    expect(await logEntries(hanakoId, 'patron.disclosureExport')).toHaveLength(1);

    const noExport = await addStaffWith(database, lib.tenantId, 'noexport', [
      'patrons.read',
      'patrons.readFull',
    ]);
    const cookie = await login(app, 'pm', noExport.loginId);
    expect((await call(app, cookie, 'GET', `/api/patrons/${hanakoId}/disclosure`)).status).toBe(403);
  });

  it('offers the same as CSV in CP932 for Excel', async () => {
    const res = await call(app, librarian, 'GET', `/api/patrons/${hanakoId}/disclosure?format=csv`);
    expect(res.headers.get('content-type')).toContain('Shift_JIS');
    const text = iconv.decode(Buffer.from(await res.arrayBuffer()), 'cp932');
    expect(text.split('\r\n')[0]).toBe('区分/section,番号/#,項目/field,値/value');
    expect(text).toContain('patron,1,full.address,沖縄県石垣市登野城1丁目2番地3号');
  });
});
