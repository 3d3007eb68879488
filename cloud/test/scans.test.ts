import { and, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.ts';
import { devices, operationLog, scanPairings, staffSessions } from '../src/db/schema/index.ts';
import { resolveSession } from '../src/domain/auth/sessions.ts';
import type { Ctx } from '../src/domain/context.ts';
import { registerAgent } from '../src/domain/devices/agents.ts';
import { pairingCodeFromScan } from '../src/domain/scans/pairing-code.ts';
import { ScanHub, type ScanMessage } from '../src/domain/scans/scan-hub.ts';
import { adminCtx, call, login, makeTenant, silentLogger, testApp } from './support/test-app.ts';
import { freshDatabase } from './support/test-db.ts';

let database: Database;
let hub: ScanHub;
let app: ReturnType<typeof testApp>;
let tenantId: string;
let otherTenantId: string;
let agentId: string;
let clock = Date.now();
let seq = 1;

const scan = (data: string, extra: Record<string, unknown> = {}) => ({
  type: 'scan',
  deviceId: 'scanner-1',
  data,
  at: new Date(clock).toISOString(),
  seq: seq++,
  ...extra,
});

async function code(cookie: string) {
  const res = await call(app, cookie, 'POST', '/api/scans/pairing-code');
  expect(res.status).toBe(200);
  return ((await res.json()) as { code: string }).code;
}

const pairing = async (cookie: string) =>
  ((await (await call(app, cookie, 'GET', '/api/scans/pairing')).json()) as { pairing: unknown }).pairing;

beforeAll(async () => {
  database = await freshDatabase();
  const { tenant, staffIds } = await makeTenant(database, 'scanhub');
  tenantId = tenant.id;
  otherTenantId = (await makeTenant(database, 'scanother')).tenant.id;
  hub = new ScanHub({ db: database.db, logger: silentLogger, now: () => new Date(clock) });
  app = testApp(database, { scans: hub });
  const ctx: Ctx = adminCtx(database, tenantId, staffIds.admin!);
  agentId = (await registerAgent(ctx, { code: 'desk-1', nameJa: 'カウンター1' })).id;
  await database.db.insert(devices).values([
    {
      tenantId,
      agentId,
      deviceKey: 'scanner-1',
      kind: 'barcodeReader',
      profile: 'generic-serial-nw7-reader',
      transport: 'serial',
      status: 'ok',
    },
    {
      tenantId,
      agentId,
      deviceKey: 'receipt-1',
      kind: 'receiptPrinter',
      profile: 'epson-tm-t88vi',
      transport: 'virtual',
      status: 'ok',
    },
  ]);
});

afterAll(async () => {
  await database?.close();
});

describe('pairing codes', () => {
  it('are read with or without the NW-7 start/stop characters, and nothing else is one', () => {
    expect(pairingCodeFromScan('A$0123456789A')).toBe('$0123456789');
    expect(pairingCodeFromScan('a$0123456789d')).toBe('$0123456789');
    expect(pairingCodeFromScan('$0123456789')).toBe('$0123456789');
    for (const no of ['A1000001A', '0123456789', '$012345678', '$01234567890', 'A$0123456789', '$012345678$'])
      expect(pairingCodeFromScan(no)).toBeNull();
  });
});

describe('scan hub', () => {
  it('pairs the session whose code the reader scanned; the code works once; scans go only there', async () => {
    const counter = await login(app, 'scanhub', 'counter');
    const other = await login(app, 'scanhub', 'librarian');
    const c = await code(counter);
    expect(await hub.handleEvent(tenantId, agentId, scan(`A${c}A`))).toBe('paired');
    expect(await pairing(counter)).toMatchObject({
      agentId,
      deviceId: 'scanner-1',
      agentNameJa: 'カウンター1',
    });
    expect(await pairing(other)).toBeNull();
    expect(await hub.handleEvent(tenantId, agentId, scan(`A${c}A`))).toBe('pairingRefused');
    // a paired session with no stream open: nothing is delivered, and nothing is kept for later
    expect(await hub.handleEvent(tenantId, agentId, scan('A1000001A'))).toBe('notPaired');
  });

  it('refuses an expired code, a code of another tenant, and a code from a printer', async () => {
    const cookie = await login(app, 'scanhub', 'admin');
    const old = await code(cookie);
    clock += 121_000;
    expect(await hub.handleEvent(tenantId, agentId, scan(old))).toBe('pairingRefused');
    const fresh = await code(cookie);
    expect(await hub.handleEvent(otherTenantId, agentId, scan(fresh))).toBe('unknownDevice');
    expect(await hub.handleEvent(tenantId, agentId, scan(fresh, { deviceId: 'receipt-1' }))).toBe(
      'unknownDevice',
    );
    expect(await hub.handleEvent(tenantId, agentId, scan(fresh, { deviceId: 'nope' }))).toBe('unknownDevice');
    expect(await pairing(cookie)).toBeNull();
    // a newer code replaces the one shown before
    const newer = await code(cookie);
    expect(await hub.handleEvent(tenantId, agentId, scan(fresh))).toBe('pairingRefused');
    expect(await hub.handleEvent(tenantId, agentId, scan(newer))).toBe('paired');
  });

  it('drops a duplicate seq and invalid events', async () => {
    const event = scan('A1000002A');
    const first = await hub.handleEvent(tenantId, agentId, event);
    expect(first).not.toBe('duplicate');
    expect(await hub.handleEvent(tenantId, agentId, event)).toBe('duplicate');
    expect(await hub.handleEvent(tenantId, agentId, { ...event, seq: 0 })).toBe('invalid');
    expect(await hub.handleEvent(tenantId, agentId, { ...scan('A1\u0007A') })).toBe('invalid');
    expect(await hub.handleEvent(tenantId, agentId, { type: 'dock' })).toBe('invalid');
    expect(await hub.handleEvent(tenantId, 'not-a-uuid', scan('A1000003A'))).toBe('invalid');
  });

  it('one reader feeds one session: pairing it at another session moves it; logout ends delivery', async () => {
    const a = await login(app, 'scanhub', 'counter');
    const b = await login(app, 'scanhub', 'it');
    expect(await hub.handleEvent(tenantId, agentId, scan(await code(a)))).toBe('paired');
    expect(await hub.handleEvent(tenantId, agentId, scan(await code(b)))).toBe('paired');
    expect(await pairing(a)).toBeNull();
    expect(await pairing(b)).toMatchObject({ deviceId: 'scanner-1' });
    expect((await call(app, b, 'POST', '/api/auth/logout')).status).toBeLessThan(300);
    expect(await hub.handleEvent(tenantId, agentId, scan('A1000004A'))).toBe('notPaired');
  });

  it('unpairs the caller only, and answers false when there was nothing to unpair', async () => {
    const a = await login(app, 'scanhub', 'counter');
    expect(await hub.handleEvent(tenantId, agentId, scan(await code(a)))).toBe('paired');
    expect(await (await call(app, a, 'DELETE', '/api/scans/pairing')).json()).toEqual({ unpaired: true });
    expect(await (await call(app, a, 'DELETE', '/api/scans/pairing')).json()).toEqual({ unpaired: false });
    expect(await pairing(a)).toBeNull();
  });

  it('keeps a pairing across a core restart (with its seq rule) and removes it at logout', async () => {
    const cookie = await login(app, 'scanhub', 'counter');
    const session = (await resolveSession(database.db, cookie.slice(cookie.indexOf('=') + 1), new Date()))!;
    // read before the code, its handling overtaken: it must never reach the session, before or after a restart
    const early = scan('A1000020A');
    expect(await hub.handleEvent(tenantId, agentId, scan(await code(cookie)))).toBe('paired');
    const rows = await database.db
      .select()
      .from(scanPairings)
      .where(and(eq(scanPairings.tenantId, tenantId), eq(scanPairings.sessionId, session.staff.sessionId)));
    const [own] = await database.db
      .select({ expiresAt: staffSessions.expiresAt })
      .from(staffSessions)
      .where(eq(staffSessions.id, session.staff.sessionId));
    expect(rows).toEqual([
      expect.objectContaining({
        agentId,
        deviceKey: 'scanner-1',
        fromSeq: early.seq + 1,
        expiresAt: own!.expiresAt,
      }),
    ]);

    // the core restarts: a new hub and app on the same database; the browser reconnects its stream
    const restarted = new ScanHub({ db: database.db, logger: silentLogger, now: () => new Date(clock) });
    const app2 = testApp(database, { scans: restarted });
    expect(await (await call(app2, cookie, 'GET', '/api/scans/pairing')).json()).toEqual({
      pairing: {
        agentId,
        agentNameJa: 'カウンター1',
        deviceId: 'scanner-1',
        pairedAt: rows[0]!.createdAt.toISOString(),
      },
    });
    const got: ScanMessage[] = [];
    const ctx: Ctx = { ...adminCtx(database, tenantId, session.staff.id), staff: session.staff };
    const stop = restarted.subscribe(ctx, (m) => got.push(m));
    expect(await restarted.handleEvent(tenantId, agentId, early)).toBe('notPaired');
    expect(await restarted.handleEvent(tenantId, agentId, scan('A1000021A'))).toBe('delivered');
    expect(got).toEqual([
      expect.objectContaining({ type: 'scan', data: 'A1000021A', deviceId: 'scanner-1' }),
    ]);

    // logout: the pairing goes in the same step, the open stream hears it, the log says why
    expect((await call(app2, cookie, 'POST', '/api/auth/logout')).status).toBe(200);
    expect(got.at(-1)).toEqual({ type: 'unpaired', reason: 'sessionEnded' });
    expect(
      await database.db
        .select()
        .from(scanPairings)
        .where(eq(scanPairings.sessionId, session.staff.sessionId)),
    ).toEqual([]);
    expect(await restarted.handleEvent(tenantId, agentId, scan('A1000022A'))).toBe('notPaired');
    const log = await database.db
      .select({ action: operationLog.action, details: operationLog.details })
      .from(operationLog)
      .where(and(eq(operationLog.tenantId, tenantId), like(operationLog.action, 'scanner.unpair')))
      .orderBy(operationLog.seq);
    expect(log.at(-1)).toEqual({
      action: 'scanner.unpair',
      details: { deviceId: 'scanner-1', reason: 'logout' },
    });
    stop();
  });

  it('ends a pairing with its session’s expiry', async () => {
    const cookie = await login(app, 'scanhub', 'counter');
    expect(await hub.handleEvent(tenantId, agentId, scan(await code(cookie)))).toBe('paired');
    const saved = clock;
    try {
      clock += 400 * 24 * 3600_000;
      expect(await hub.handleEvent(tenantId, agentId, scan('A1000023A'))).toBe('notPaired');
      expect(
        await database.db
          .select()
          .from(scanPairings)
          .where(and(eq(scanPairings.tenantId, tenantId), eq(scanPairings.agentId, agentId))),
      ).toEqual([]);
    } finally {
      clock = saved;
    }
  });

  it('answers 503 when the core runs without scanner delivery', async () => {
    const bare = testApp(database);
    const cookie = await login(bare, 'scanhub', 'counter');
    const res = await call(bare, cookie, 'GET', '/api/scans/stream');
    expect(res.status).toBe(503);
  });
});
