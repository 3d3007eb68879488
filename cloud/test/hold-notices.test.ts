import { eraDate, westernDate } from '@bunko/protocols';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.ts';
import { holds, locations, mailOutbox, operationLog, patrons } from '../src/db/schema/index.ts';
import { makeLibrary } from './support/library-fixture.ts';
import { call, login, testApp } from './support/test-app.ts';
import { freshDatabase } from './support/test-db.ts';

let database: Database;
let app: ReturnType<typeof testApp>;
let lib: Awaited<ReturnType<typeof makeLibrary>>;
let counter: string;

type Json = Record<string, unknown> & { code?: string };
const send = async (method: string, path: string, body?: unknown) => {
  const res = await call(app, counter, method, path, body);
  return { status: res.status, body: (await res.json()) as Json };
};
const hold = async (patron: string, bib: string, contactMethod: string, pickupLocationId = lib.mainId) => {
  const res = await send('POST', '/api/holds', {
    patronId: lib.patronIds[patron],
    bibId: lib.bibs[bib],
    pickupLocationId,
    contactMethod,
  });
  expect(res.status).toBe(200);
  return String(res.body.holdId);
};
const giveBack = (itemBarcode: string, locationId = lib.mainId) =>
  send('POST', '/api/circulation/return', { itemBarcode, locationId });
const mailsTo = (patron: string) =>
  database.db
    .select()
    .from(mailOutbox)
    .where(and(eq(mailOutbox.patronId, lib.patronIds[patron]!), eq(mailOutbox.kind, 'holdAvailable')));
type ToPhone = { holdId: string; contactMethod: string; title: string; patronName: string };
const toPhone = async () => (await send('GET', '/api/holds/to-phone')).body.holds as ToPhone[];

const ALICE = 'alice.holds@example.jp';

beforeAll(async () => {
  database = await freshDatabase();
  app = testApp(database);
  lib = await makeLibrary(database, 'hnot');
  counter = await login(app, 'hnot', 'counter');
  await database.db.update(patrons).set({ email: ALICE }).where(eq(patrons.id, lib.patronIds.alice!));
});
afterAll(async () => {
  await database?.close();
});

describe('予約資料のご用意ができました', () => {
  it('a return that traps a copy for an e-mail hold queues one mail with title, pickup point and deadline', async () => {
    const holdId = await hold('alice', 'novel', 'email');
    const trapped = await giveBack('1000001');
    expect(trapped.body.hold).toMatchObject({ holdId, status: 'available' });
    const pickupBy = String((trapped.body.hold as { pickupBy: string }).pickupBy);
    const mails = await mailsTo('alice');
    expect(mails).toHaveLength(1);
    const [main] = await database.db.select().from(locations).where(eq(locations.id, lib.mainId));
    expect(mails[0]).toMatchObject({ toAddress: ALICE, status: 'pending' });
    expect(mails[0]!.subject).toContain('予約資料のご用意ができました');
    expect(mails[0]!.body).toContain('書名 novel');
    expect(mails[0]!.body).toContain(`受取場所: ${main!.nameJa}`);
    expect(mails[0]!.body).toContain(eraDate(pickupBy));
    expect(mails[0]!.body).toContain(westernDate(pickupBy));
    const [row] = await database.db.select().from(holds).where(eq(holds.id, holdId));
    expect(row).toMatchObject({ notifiedVia: 'email' });
    // told by mail: not on the staff's phone list
    expect((await toPhone()).map((h) => h.holdId)).not.toContain(holdId);
  });

  it('a retried return of the same copy does not mail again', async () => {
    // the copy is on the hold shelf now: the repeated scan is refused and changes nothing
    const again = await giveBack('1000001');
    expect(again).toMatchObject({ status: 409, body: { code: 'notOnLoan' } });
    expect(await mailsTo('alice')).toHaveLength(1);
  });

  it('a copy sent on to another pickup point mails once, when it arrives there', async () => {
    const holdId = await hold('alice', 'popular', 'email', lib.branchId);
    const sent = await giveBack('1000003', lib.mainId);
    expect(sent.body.hold).toMatchObject({ holdId, status: 'inTransit' });
    expect(await mailsTo('alice')).toHaveLength(1);
    const arrived = await giveBack('1000003', lib.branchId);
    expect(arrived.body.hold).toMatchObject({ holdId, status: 'available' });
    expect(await mailsTo('alice')).toHaveLength(2);
    await giveBack('1000003', lib.branchId);
    expect(await mailsTo('alice')).toHaveLength(2);
  });

  it('phone contact, or e-mail without an address: no mail, listed for staff to phone', async () => {
    const byPhone = await hold('carol', 'film', 'phone');
    const noAddress = await hold('bob', 'novel', 'email');
    expect((await giveBack('1000005')).body.hold).toMatchObject({ holdId: byPhone, status: 'available' });
    expect((await giveBack('1000002')).body.hold).toMatchObject({ holdId: noAddress, status: 'available' });
    expect(await mailsTo('carol')).toHaveLength(0);
    expect(await mailsTo('bob')).toHaveLength(0);
    const list = await toPhone();
    expect(list.map((h) => h.holdId).sort()).toEqual([byPhone, noAddress].sort());
    expect(list.find((h) => h.holdId === byPhone)).toMatchObject({
      contactMethod: 'phone',
      title: '書名 film',
      patronName: '利用者 carol',
    });
  });

  it('連絡済み takes a hold off the list, once, in the operation log without patron data', async () => {
    const [first] = await toPhone();
    const marked = await send('POST', `/api/holds/${first!.holdId}/contacted`);
    expect(marked).toMatchObject({ status: 200, body: { already: false } });
    expect((await toPhone()).map((h) => h.holdId)).not.toContain(first!.holdId);
    const twice = await send('POST', `/api/holds/${first!.holdId}/contacted`);
    expect(twice).toMatchObject({ status: 200, body: { already: true } });
    const logs = await database.db
      .select()
      .from(operationLog)
      .where(eq(operationLog.action, 'hold.contacted'));
    expect(logs).toHaveLength(1);
    expect(logs[0]!.targetId).toBe(first!.holdId);
    const everyLog = JSON.stringify(await database.db.select().from(operationLog));
    expect(everyLog).not.toContain(ALICE);
    expect(everyLog).not.toContain('利用者 ');
    // a hold not on the shelf cannot be marked
    const waiting = await hold('bob', 'branchbook', 'phone');
    expect((await send('POST', `/api/holds/${waiting}/contacted`)).status).toBe(409);
  });
});
