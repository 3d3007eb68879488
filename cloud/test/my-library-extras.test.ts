import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.ts';
import {
  bibRecords,
  jobRuns,
  loans,
  mailOutbox,
  operationLog,
  patrons,
  tenants,
} from '../src/db/schema/index.ts';
import { hashPassword } from '../src/domain/auth/passwords.ts';
import { addDays } from '../src/domain/calendar/dates.ts';
import { reindexBibSearch } from '../src/domain/catalog/reindex-search.ts';
import { runDueDailyJobs } from '../src/domain/jobs/daily.ts';
import { makeLibrary } from './support/library-fixture.ts';
import { call, login, patronLogin, silentLogger, testApp } from './support/test-app.ts';
import { freshDatabase } from './support/test-db.ts';

let database: Database;
let app: ReturnType<typeof testApp>;
let lib: Awaited<ReturnType<typeof makeLibrary>>;
let alice: string;
let bob: string;
let carol: string;
let counter: string;

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely in assertions
type Json = Record<string, any> & { code?: string };
const send = async (cookie: string, method: string, path: string, body?: unknown) => {
  const res = await call(app, cookie, method, path, body);
  return { status: res.status, body: (await res.json()) as Json };
};
const PASS = 'my-library-pass-1';

beforeAll(async () => {
  database = await freshDatabase();
  lib = await makeLibrary(database, 'myx');
  app = testApp(database);
  const hash = await hashPassword(PASS);
  await database.db.update(patrons).set({ passwordHash: hash }).where(eq(patrons.tenantId, lib.tenantId));
  await database.db
    .update(patrons)
    .set({ email: 'alice@example.jp', phone: '0980-00-0001' })
    .where(eq(patrons.id, lib.patronIds.alice!));
  alice = await patronLogin(app, 'myx', lib.cards.alice!, PASS);
  bob = await patronLogin(app, 'myx', lib.cards.bob!, PASS);
  carol = await patronLogin(app, 'myx', lib.cards.carol!, PASS);
  counter = await login(app, 'myx', 'counter');
});
afterAll(async () => {
  await database?.close();
});

const actions = async (patronId: string) =>
  (
    await database.db
      .select({
        action: operationLog.action,
        details: operationLog.details,
        actorKind: operationLog.actorKind,
      })
      .from(operationLog)
      .where(eq(operationLog.actorPatronId, patronId))
  ).map((r) => ({ ...r, details: JSON.stringify(r.details) }));

describe('contact details and the digital card', () => {
  it('shows and changes my e-mail, phone and e-mail notices; the log names fields only', async () => {
    const mine = await send(alice, 'GET', '/api/my/contact');
    expect(mine.body).toEqual({
      email: 'alice@example.jp',
      phone: '0980-00-0001',
      emailNotices: true,
      readingHistoryOptIn: false,
      pendingEmail: null,
    });
    const bad = await send(alice, 'PATCH', '/api/my/contact', { email: 'nope' });
    expect(bad.status).toBe(400);
    expect(bad.body.issues[0].path).toBe('email');
    const changed = await send(alice, 'PATCH', '/api/my/contact', {
      email: 'alice.new@example.jp',
      emailNotices: false,
    });
    // the new address waits for the link mailed to it (cloud/test/email-change.test.ts)
    expect(changed.body).toMatchObject({
      email: 'alice@example.jp',
      emailNotices: false,
      pendingEmail: { email: 'alice.new@example.jp' },
    });
    const [mail] = await database.db
      .select({ body: mailOutbox.body })
      .from(mailOutbox)
      .where(
        and(eq(mailOutbox.kind, 'emailChangeConfirm'), eq(mailOutbox.toAddress, 'alice.new@example.jp')),
      );
    const token = /#token=([A-Za-z0-9_-]+)/.exec(mail!.body)![1];
    expect((await send('', 'POST', '/api/my/contact/email-confirm', { token })).status).toBe(200);
    expect((await send(alice, 'GET', '/api/my/contact')).body).toMatchObject({
      email: 'alice.new@example.jp',
      pendingEmail: null,
    });
    const log = (await actions(lib.patronIds.alice!)).filter((a) => a.action.startsWith('patron.'));
    expect(log.map((l) => l.action)).toEqual(
      expect.arrayContaining([
        'patron.updateContact',
        'patron.emailChangeRequested',
        'patron.emailConfirmed',
      ]),
    );
    expect(log.find((l) => l.action === 'patron.updateContact')?.details).toBe('{"fields":["emailNotices"]}');
    expect(JSON.stringify(log)).not.toContain('example.jp');
    await send(alice, 'PATCH', '/api/my/contact', { emailNotices: true });
  });

  it('gives my card number and its NW-7 symbol from the library settings', async () => {
    const plain = await send(alice, 'GET', '/api/my/card');
    expect(plain.body).toMatchObject({
      barcode: lib.cards.alice,
      symbol: `A${lib.cards.alice}A`,
      symbology: 'nw7',
    });
    // a library whose cards carry a modulus-10 (weight 2-1) check digit, printed with start/stop C…C
    await database.db
      .update(tenants)
      .set({
        settings: {
          barcodes: {
            patronCard: { length: 8, checkDigit: 'none', startChars: ['C'], stopChars: ['C'] },
            itemLabel: { length: 7, checkDigit: 'none' },
          },
        },
      })
      .where(eq(tenants.id, lib.tenantId));
    const styled = await send(alice, 'GET', '/api/my/card');
    expect(styled.body.symbol).toBe(`C${lib.cards.alice}C`);
    await database.db.update(tenants).set({ settings: {} }).where(eq(tenants.id, lib.tenantId));
  });
});

describe('hold suspension', () => {
  it('suspends and resumes my hold; another patron cannot touch it', async () => {
    const placed = await send(alice, 'POST', '/api/my/holds', {
      bibId: lib.bibs.popular,
      pickupLocationId: lib.mainId,
      contactMethod: 'email',
    });
    expect(placed.status).toBe(200);
    const until = addDays(lib.today, 14);
    const s = await send(alice, 'POST', `/api/my/holds/${placed.body.holdId}/suspend`, { until });
    expect(s.body).toMatchObject({ holdId: placed.body.holdId, suspendedUntil: until });
    const listed = await send(alice, 'GET', '/api/my/holds');
    expect(listed.body.holds[0].suspendedUntil).toBe(until);
    const past = await send(alice, 'POST', `/api/my/holds/${placed.body.holdId}/suspend`, {
      until: lib.today,
    });
    expect(past.status).toBe(400);
    const other = await send(bob, 'POST', `/api/my/holds/${placed.body.holdId}/resume`);
    expect(other.status).toBe(404);
    const resumed = await send(alice, 'POST', `/api/my/holds/${placed.body.holdId}/resume`);
    expect(resumed.body.suspendedUntil).toBeNull();
    expect((await send(alice, 'GET', '/api/my/holds')).body.holds[0].suspendedUntil).toBeNull();
  });
});

describe('changing a hold', () => {
  it('moves my waiting hold to another pickup point and changes how I am told; refuses what cannot be', async () => {
    const placed = await send(alice, 'POST', '/api/my/holds', {
      bibId: lib.bibs.branchbook,
      pickupLocationId: lib.mainId,
      contactMethod: 'email',
    });
    expect(placed.status).toBe(200);
    const id = placed.body.holdId as string;
    const moved = await send(alice, 'PATCH', `/api/my/holds/${id}`, {
      pickupLocationId: lib.branchId,
      contactMethod: 'phone',
    });
    expect(moved.status).toBe(200);
    const mine = (await send(alice, 'GET', '/api/my/holds')).body.holds.find(
      (h: { holdId: string }) => h.holdId === id,
    );
    expect(mine).toMatchObject({
      pickupLocationId: lib.branchId,
      pickupLocationJa: '分館',
      contactMethod: 'phone',
    });
    const logged = (await actions(lib.patronIds.alice!)).filter((a) => a.action === 'hold.updateByPatron');
    // (the suspension above logged two changes of its own)
    expect(logged.at(-1)).toEqual({
      action: 'hold.updateByPatron',
      actorKind: 'patron',
      details: JSON.stringify({ fields: ['pickupLocationId', 'contactMethod'] }),
    });

    // nothing to change; a place that is not a pickup point; another patron's hold
    expect((await send(alice, 'PATCH', `/api/my/holds/${id}`, {})).status).toBe(400);
    const notPickup = await send(alice, 'PATCH', `/api/my/holds/${id}`, {
      pickupLocationId: crypto.randomUUID(),
    });
    expect(notPickup.status).toBe(400);
    expect(notPickup.body.issues[0].path).toBe('pickupLocationId');
    expect((await send(bob, 'PATCH', `/api/my/holds/${id}`, { contactMethod: 'none' })).status).toBe(404);

    // bob has no e-mail address: e-mail is refused for his hold
    const his = await send(bob, 'POST', '/api/my/holds', {
      bibId: lib.bibs.branchbook,
      pickupLocationId: lib.mainId,
      contactMethod: 'none',
    });
    const noMail = await send(bob, 'PATCH', `/api/my/holds/${his.body.holdId}`, { contactMethod: 'email' });
    expect(noMail.status).toBe(400);
    expect(noMail.body.issues[0].path).toBe('contactMethod');

    await send(alice, 'POST', `/api/my/holds/${id}/cancel`);
    await send(bob, 'POST', `/api/my/holds/${his.body.holdId}/cancel`);
  });
});

describe('reading history', () => {
  const lendAndReturn = async (card: string, itemBarcode: string) => {
    await send(counter, 'POST', '/api/circulation/checkout', {
      patron: { cardBarcode: card },
      itemBarcode,
      locationId: lib.mainId,
    });
    await send(counter, 'POST', '/api/circulation/return', { itemBarcode, locationId: lib.mainId });
  };

  it('is empty and not kept for a patron who has not opted in', async () => {
    await lendAndReturn(lib.cards.alice!, '1000008');
    const h = await send(alice, 'GET', '/api/my/reading-history');
    expect(h.body).toEqual({ optedIn: false, entries: [] });
  });

  it('lists what an opted-in patron returned; one entry or all can be erased; never another patron’s', async () => {
    await lendAndReturn(lib.cards.carol!, '1000009');
    await lendAndReturn(lib.cards.carol!, '1000010');
    const h = await send(carol, 'GET', '/api/my/reading-history');
    expect(h.body.optedIn).toBe(true);
    expect(h.body.entries.map((e: Json) => e.title).sort()).toEqual(['書名 extra10', '書名 extra9']);
    // another patron can neither see nor erase carol's entries
    expect((await send(alice, 'GET', '/api/my/reading-history')).body.entries).toEqual([]);
    const foreign = await send(alice, 'DELETE', `/api/my/reading-history/${h.body.entries[0].loanId}`);
    expect(foreign.status).toBe(404);
    const one = await send(carol, 'DELETE', `/api/my/reading-history/${h.body.entries[0].loanId}`);
    expect(one.body).toEqual({ erased: 1 });
    const [erasedLoan] = await database.db.select().from(loans).where(eq(loans.id, h.body.entries[0].loanId));
    expect(erasedLoan!.patronId).toBeNull();
    expect((await send(carol, 'GET', '/api/my/reading-history')).body.entries).toHaveLength(1);
    const all = await send(carol, 'DELETE', '/api/my/reading-history');
    expect(all.body).toEqual({ erased: 1 });
  });

  it('opting out erases the history; opting in keeps the next returns', async () => {
    await send(alice, 'PUT', '/api/my/reading-history/opt-in', { optIn: true });
    await lendAndReturn(lib.cards.alice!, '1000011');
    expect((await send(alice, 'GET', '/api/my/reading-history')).body.entries).toHaveLength(1);
    const out = await send(alice, 'PUT', '/api/my/reading-history/opt-in', { optIn: false });
    expect(out.body).toEqual({ optedIn: false, erased: 1 });
    const kept = await database.db
      .select()
      .from(loans)
      .where(and(eq(loans.tenantId, lib.tenantId), eq(loans.patronId, lib.patronIds.alice!)));
    expect(kept.filter((l) => l.returnedAt !== null)).toHaveLength(0);
    // the log keeps counts, never titles
    const log = await actions(lib.patronIds.alice!);
    expect(JSON.stringify(log)).not.toContain('書名');
  });
});

describe('bookshelf (お気に入り)', () => {
  it('creates, renames and deletes lists and adds and removes titles; another patron’s list is not found', async () => {
    const list = await send(alice, 'POST', '/api/my/bookshelves', { name: '夏休みに読む' });
    expect(list.status).toBe(200);
    const dup = await send(alice, 'POST', '/api/my/bookshelves', { name: '夏休みに読む' });
    expect(dup.status).toBe(409);
    const id = list.body.id;
    await send(alice, 'PUT', `/api/my/bookshelves/${id}/bibs/${lib.bibs.novel}`);
    await send(alice, 'PUT', `/api/my/bookshelves/${id}/bibs/${lib.bibs.film}`);
    await send(alice, 'PUT', `/api/my/bookshelves/${id}/bibs/${lib.bibs.novel}`); // twice: once on the list
    await send(alice, 'PATCH', `/api/my/bookshelves/${id}`, { name: '読みたい本' });
    const mine = await send(alice, 'GET', '/api/my/bookshelves');
    expect(mine.body.lists).toEqual([
      expect.objectContaining({
        id,
        name: '読みたい本',
        entries: [
          expect.objectContaining({ bibId: lib.bibs.novel, title: '書名 novel' }),
          expect.objectContaining({ bibId: lib.bibs.film, title: '書名 film' }),
        ],
      }),
    ]);
    // bob sees none of it and can change none of it
    expect((await send(bob, 'GET', '/api/my/bookshelves')).body.lists).toEqual([]);
    expect((await send(bob, 'PUT', `/api/my/bookshelves/${id}/bibs/${lib.bibs.popular}`)).status).toBe(404);
    expect((await send(bob, 'DELETE', `/api/my/bookshelves/${id}/bibs/${lib.bibs.novel}`)).status).toBe(404);
    expect((await send(bob, 'PATCH', `/api/my/bookshelves/${id}`, { name: 'x' })).status).toBe(404);
    expect((await send(bob, 'DELETE', `/api/my/bookshelves/${id}`)).status).toBe(404);
    const removed = await send(alice, 'DELETE', `/api/my/bookshelves/${id}/bibs/${lib.bibs.film}`);
    expect(removed.body.removed).toBe(true);
    expect((await send(alice, 'GET', '/api/my/bookshelves')).body.lists[0].entries).toHaveLength(1);
    expect((await send(alice, 'DELETE', `/api/my/bookshelves/${id}`)).body.deleted).toBe(true);
    expect((await send(alice, 'GET', '/api/my/bookshelves')).body.lists).toEqual([]);
    expect(JSON.stringify(await actions(lib.patronIds.alice!))).not.toContain(lib.bibs.novel!);
  });
});

describe('new-arrival alerts', () => {
  it('saves alerts by keyword or NDC class, validates them, and keeps them private to their patron', async () => {
    const kw = await send(alice, 'POST', '/api/my/alerts', { kind: 'keyword', query: '沖縄 歴史' });
    expect(kw.status).toBe(200);
    const ndc = await send(alice, 'POST', '/api/my/alerts', { kind: 'ndc', query: '48' });
    expect(ndc.status).toBe(200);
    expect((await send(alice, 'POST', '/api/my/alerts', { kind: 'ndc', query: 'animals' })).status).toBe(400);
    expect((await send(bob, 'GET', '/api/my/alerts')).body.alerts).toEqual([]);
    expect((await send(bob, 'DELETE', `/api/my/alerts/${kw.body.id}`)).status).toBe(404);
    await send(bob, 'POST', '/api/my/alerts', { kind: 'keyword', query: '沖縄' }); // bob has no e-mail
    const log = await actions(lib.patronIds.alice!);
    expect(JSON.stringify(log)).not.toContain('沖縄');
  });

  it('the daily job mails new matching titles once, to patrons with e-mail notices on', async () => {
    const later = new Date(Date.now() + 60_000);
    const newBib = async (title: string, ndc: string) => {
      await database.db.insert(bibRecords).values({
        tenantId: lib.tenantId,
        title,
        titleReading: 'ア',
        ndc,
        createdAt: new Date(Date.now() + 1000),
      });
    };
    await newBib('沖縄の歴史と文化', '219.9');
    await newBib('やんばるの鳥', '488.2');
    await newBib('北海道の歴史', '211');
    await reindexBibSearch(database.db, lib.tenantId, { onlyStale: false });
    await runDueDailyJobs(database.db, silentLogger, () => later);
    const mails = await database.db.select().from(mailOutbox).where(eq(mailOutbox.kind, 'newArrivals'));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.toAddress).toBe('alice.new@example.jp');
    expect(mails[0]!.subject).toBe('【myx図書館】新着資料のお知らせ');
    expect(mails[0]!.body).toContain('・沖縄の歴史と文化');
    expect(mails[0]!.body).toContain('・やんばるの鳥');
    expect(mails[0]!.body).not.toContain('北海道');
    const [run] = await database.db
      .select()
      .from(jobRuns)
      .where(and(eq(jobRuns.tenantId, lib.tenantId), eq(jobRuns.job, 'daily-patrons')));
    expect(run!.finishedAt).not.toBeNull();
    // the next day's run finds nothing new: no second mail
    await runDueDailyJobs(database.db, silentLogger, () => new Date(later.getTime() + 86_400_000));
    expect(
      await database.db.select().from(mailOutbox).where(eq(mailOutbox.kind, 'newArrivals')),
    ).toHaveLength(1);
  });

  it('ends suspensions whose last day has passed in the daily job', async () => {
    await database.db
      .update(patrons)
      .set({ suspendedUntil: addDays(lib.today, -1), suspensionReason: 'x' })
      .where(eq(patrons.id, lib.patronIds.suspended!));
    await runDueDailyJobs(database.db, silentLogger, () => new Date(Date.now() + 3 * 86_400_000));
    const [p] = await database.db.select().from(patrons).where(eq(patrons.id, lib.patronIds.suspended!));
    expect(p!.status).toBe('active');
  });
});
