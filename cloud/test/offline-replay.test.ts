import { randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { OfflineOperation, OfflinePackage, OfflineResult } from '@bunko/protocols';
import { and, eq, isNull, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.ts';
import { loans, offlineOperations, operationLog, patrons } from '../src/db/schema/index.ts';
import { checkoutItem } from '../src/domain/circulation/checkout.ts';
import { type Ctx, systemCtx } from '../src/domain/context.ts';
import { registerAgent } from '../src/domain/devices/agents.ts';
import { OfflineLink } from '../src/domain/offline/agent-link.ts';
import { replayOfflineOperations } from '../src/domain/offline/replay.ts';
import { addBookmobile, STATION_JA } from './support/bookmobile-fixture.ts';
import { makeLibrary } from './support/library-fixture.ts';
import { call, login, silentLogger, testApp } from './support/test-app.ts';
import { freshDatabase } from './support/test-db.ts';

let database: Database;
let app: ReturnType<typeof testApp>;
let lib: Awaited<ReturnType<typeof makeLibrary>>;
let bm: Awaited<ReturnType<typeof addBookmobile>>;
let agentId: string;
let counter: string;
let admin: string;

const base = Date.now();
const at = (minutes: number) => new Date(base + minutes * 60_000);
const ctxAt = (when: Date): Ctx => systemCtx(database.db, lib.tenantId, 'test', () => when);

beforeAll(async () => {
  database = await freshDatabase();
  app = testApp(database);
  lib = await makeLibrary(database, 'offl');
  bm = await addBookmobile(database, lib);
  const agent = await registerAgent(ctxAt(new Date()), {
    code: 'bookmobile-pc',
    nameJa: '移動図書館PC',
    locationId: bm.bookmobileId,
  });
  agentId = agent.id;
  counter = await login(app, 'offl', 'counter');
  admin = await login(app, 'offl', 'admin');
});
afterAll(async () => {
  await database?.close();
});

describe('the offline package', () => {
  it('carries stations with visits, blocked cards without names and the bookmobile’s items', async () => {
    const res = await call(app, counter, 'GET', `/api/offline/package?bookmobileId=${bm.bookmobileId}`);
    expect(res.status).toBe(200);
    const pkg = (await res.json()) as OfflinePackage;
    expect(pkg.bookmobileId).toBe(bm.bookmobileId);
    expect(pkg.stations).toEqual([
      { locationId: bm.stationId, code: 'bm-kabira', nameJa: STATION_JA, visits: bm.visits },
    ]);
    expect(pkg.loanDays).toBe(7); // the shortest loan the rules give (DVDs): a due date never too late
    expect(pkg.blocked).toEqual({ [lib.cards.expired!]: 'expired', [lib.cards.suspended!]: 'suspended' });
    expect(pkg.items).toEqual({
      '3000001': ['星砂の島', true],
      '3000002': ['星砂の島', true],
      '3000003': ['星砂の島', true],
    });
    expect(JSON.stringify(pkg)).not.toContain('利用者'); // patrons' names never leave the core
    // unchanged content, unchanged version: nothing to download
    const again = await call(
      app,
      counter,
      'GET',
      `/api/offline/package?bookmobileId=${bm.bookmobileId}&haveVersion=${pkg.version}`,
    );
    expect(again.status).toBe(204);
  });

  it('is sent gzip-compressed when the client accepts it, and only for a bookmobile', async () => {
    const res = await app.request(`/api/offline/package?bookmobileId=${bm.bookmobileId}`, {
      headers: { cookie: counter, 'accept-encoding': 'gzip' },
    });
    expect(res.headers.get('content-encoding')).toBe('gzip');
    const pkg = JSON.parse(
      gunzipSync(Buffer.from(await res.arrayBuffer())).toString('utf8'),
    ) as OfflinePackage;
    expect(Object.keys(pkg.items)).toHaveLength(3);
    const main = await call(app, counter, 'GET', `/api/offline/package?bookmobileId=${lib.mainId}`);
    expect(main.status).toBe(400);
    expect(((await main.json()) as { issues: { path: string }[] }).issues[0]!.path).toBe('bookmobileId');
  });

  it('goes over MQTT only to an agent registered at that bookmobile', async () => {
    const link = new OfflineLink({ db: database.db, logger: silentLogger });
    const ok = await link.handle(lib.tenantId, agentId, {
      type: 'packageRequest',
      requestId: 'r1',
      bookmobileId: bm.bookmobileId,
    });
    expect(ok).toMatchObject({
      type: 'package',
      requestId: 'r1',
      package: { bookmobileId: bm.bookmobileId },
    });
    const other = await registerAgent(ctxAt(new Date()), { code: 'desk-pc', nameJa: 'カウンター' });
    const refused = await link.handle(lib.tenantId, other.id, {
      type: 'packageRequest',
      requestId: 'r2',
      bookmobileId: bm.bookmobileId,
    });
    expect(refused).toMatchObject({ type: 'error', requestId: 'r2', code: 'forbidden' });
    const bad = await link.handle(lib.tenantId, agentId, { type: 'replay', requestId: 'r3', ops: [] });
    expect(bad).toMatchObject({ type: 'error', requestId: 'r3', code: 'validation' });
  });
});

describe('replaying an offline session', () => {
  const sessionId = randomUUID();
  let seq = 0;
  const op = (
    minutes: number,
    kind: 'checkout' | 'return',
    itemBarcode: string,
    patronBarcode?: string,
  ): OfflineOperation => ({
    id: randomUUID(),
    seq: ++seq,
    sessionId,
    kind,
    at: at(minutes).toISOString(),
    locationId: bm.stationId,
    itemBarcode,
    ...(patronBarcode ? { patronBarcode, dueOn: bm.visits[1]! } : {}),
    flags: [],
  });
  let ops: OfflineOperation[];
  let first: OfflineResult[];
  const replay = () =>
    replayOfflineOperations(ctxAt(new Date()), { agentId, sentAt: new Date().toISOString(), ops });
  const openLoan = async (itemId: string) =>
    (
      await database.db
        .select()
        .from(loans)
        .where(and(eq(loans.itemId, itemId), isNull(loans.returnedAt)))
    )[0];

  beforeAll(async () => {
    // Meanwhile at the main desk: 3000002 lent to bob before the bookmobile lent it, 1000002 after.
    await checkoutItem(ctxAt(at(-70)), {
      patron: { cardBarcode: lib.cards.bob! },
      itemBarcode: '3000002',
      locationId: lib.mainId,
    });
    await checkoutItem(ctxAt(at(-20)), {
      patron: { cardBarcode: lib.cards.bob! },
      itemBarcode: '1000002',
      locationId: lib.mainId,
    });
    // and carol was suspended after the package was downloaded
    await database.db
      .update(patrons)
      .set({ status: 'suspended' })
      .where(eq(patrons.id, lib.patronIds.carol!));
    ops = [
      op(-60, 'checkout', '3000001', lib.cards.alice),
      op(-55, 'return', '3000001'),
      op(-50, 'return', '1000001'),
      op(-45, 'checkout', '9999999', lib.cards.alice),
      op(-40, 'checkout', '3000002', lib.cards.alice),
      op(-35, 'checkout', '3000003', lib.cards.carol),
      op(-30, 'checkout', '1000002', lib.cards.alice),
      op(-25, 'checkout', '1000003', '29999999'),
    ];
    first = await replay();
  });

  it('settles each operation by the stated rules, at the bookmobile’s times', async () => {
    const summary = first.map((r) => [r.seq, r.outcome, r.conflicts, r.notes]);
    expect(summary).toEqual([
      [1, 'applied', [], []],
      [2, 'applied', [], []],
      [3, 'noop', [], ['notOnLoan']],
      [4, 'notApplied', ['itemNotFound'], []],
      [5, 'applied', ['itemWasOnLoan'], []],
      [6, 'applied', ['patronSuspended'], []],
      [7, 'notApplied', ['itemLentLater'], []],
      [8, 'notApplied', ['cardNotFound'], []],
    ]);
    expect(first.every((r) => !r.repeated)).toBe(true);

    // the first loan: lent and returned at the times the laptop recorded, due on the printed date
    const [lent] = await database.db.select().from(loans).where(eq(loans.idempotencyKey, ops[0]!.id));
    expect(lent!.loanedAt.toISOString()).toBe(ops[0]!.at);
    expect(lent!.returnedAt!.toISOString()).toBe(ops[1]!.at);
    expect(lent!.dueOn).toBe(bm.visits[1]);
    expect(lent!.patronId).toBeNull(); // the link ends with the loan (alice did not opt in)

    // bob's earlier loan of 3000002 ended when the bookmobile lent it to alice
    const loans3000002 = await database.db.select().from(loans).where(eq(loans.itemId, bm.items['3000002']!));
    const bobs = loans3000002.find((l) => l.idempotencyKey === null)!;
    expect(bobs.returnedAt!.toISOString()).toBe(ops[4]!.at);
    expect((await openLoan(bm.items['3000002']!))!.patronId).toBe(lib.patronIds.alice);
    // carol took 3000003 although suspended: the book left the building, the loan is recorded
    expect((await openLoan(bm.items['3000003']!))!.patronId).toBe(lib.patronIds.carol);
    // the main desk's later loan of 1000002 stands
    expect((await openLoan(lib.items['1000002']!.id))!.patronId).toBe(lib.patronIds.bob);
  });

  it('replays exactly once: a second replay changes nothing and answers with the recorded results', async () => {
    const count = async () => ({
      loans: (await database.db.select().from(loans)).length,
      log: (await database.db.select().from(operationLog)).length,
    });
    const before = await count();
    const again = await replay();
    expect(again.every((r) => r.repeated)).toBe(true);
    expect(again.map(({ repeated: _, ...r }) => r)).toEqual(first.map(({ repeated: _, ...r }) => r));
    expect(await count()).toEqual(before);
  });

  it('lists the session and its open conflicts for staff, who resolve them (operation-logged)', async () => {
    const sessions = await call(app, counter, 'GET', '/api/offline/sessions');
    expect(sessions.status).toBe(200);
    const list = (await sessions.json()) as { sessions: Record<string, unknown>[] };
    expect(list.sessions).toEqual([
      expect.objectContaining({ id: sessionId, agentId, operations: 8, applied: 4, openConflicts: 5 }),
    ]);
    const detail = (await (await call(app, counter, 'GET', `/api/offline/sessions/${sessionId}`)).json()) as {
      operations: { seq: number; outcome: string }[];
    };
    expect(detail.operations.map((o) => o.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);

    const conflicts = (await (await call(app, counter, 'GET', '/api/offline/conflicts')).json()) as {
      conflicts: { id: string; conflicts: string[]; patronId: string | null }[];
    };
    expect(conflicts.conflicts.map((c) => c.conflicts[0])).toEqual([
      'itemNotFound',
      'itemWasOnLoan',
      'patronSuspended',
      'itemLentLater',
      'cardNotFound',
    ]);
    const suspended = conflicts.conflicts[2]!;
    expect(suspended.patronId).toBe(lib.patronIds.carol); // kept while staff need it

    const path = `/api/offline/operations/${suspended.id}/resolve`;
    expect((await call(app, counter, 'POST', path, { note: '本人に連絡済み' })).status).toBe(403);
    expect((await call(app, admin, 'POST', path, { note: '' })).status).toBe(400);
    expect((await call(app, admin, 'POST', path, { note: '本人に連絡済み' })).status).toBe(200);
    expect((await call(app, admin, 'POST', path, { note: 'again' })).status).toBe(404);
    const [row] = await database.db
      .select()
      .from(offlineOperations)
      .where(eq(offlineOperations.id, suspended.id));
    expect(row).toMatchObject({ resolutionNote: '本人に連絡済み', patronId: null, patronBarcode: null });
    // settled without conflict: the card was never stored
    const [plain] = await database.db
      .select()
      .from(offlineOperations)
      .where(eq(offlineOperations.id, ops[0]!.id));
    expect(plain!.patronBarcode).toBeNull();

    const log = await database.db.select().from(operationLog).where(like(operationLog.action, 'offline.%'));
    expect(log.filter((l) => l.action === 'offline.replay')).toHaveLength(8);
    expect(log.filter((l) => l.action === 'offline.resolve').map((l) => l.targetId)).toEqual([suspended.id]);
    expect(JSON.stringify(log)).not.toContain(lib.cards.carol!);
  });
});
