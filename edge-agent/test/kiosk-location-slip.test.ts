// 所在票 from a 館内OPAC kiosk: the public route asks the core, the core sends a location-slip document
// to the kiosk's agent over the real embedded broker, and the agent prints it on its (virtual) printer.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bibRecords, items, locations, operationLog, tenants } from '../../cloud/src/db/schema/index.ts';
import { SLIPS_PER_KIOSK_PER_MINUTE } from '../../cloud/src/http/routes/opac.ts';
import { silentLogger } from '../../cloud/test/support/test-app.ts';
import { type Agent, createAgent } from '../src/agent.ts';
import { agentConfig, type Core, startCore } from './support/core.ts';

const TENANT = 'kioskslip';
let core: Core;
let agent: Agent;
let prints = '';
let itemId = '';

const slip = (kioskId: string, body: unknown) =>
  core.app.request(`/api/opac/kiosks/${kioskId}/location-slip?tenant=${TENANT}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

const printed = () => {
  try {
    return readdirSync(prints)
      .filter((f) => f.endsWith('.txt'))
      .map((f) => readFileSync(join(prints, f), 'utf8'));
  } catch {
    return [];
  }
};

beforeAll(async () => {
  core = await startCore(TENANT);
  const db = core.database.db;
  const [loc] = await db
    .insert(locations)
    .values({ tenantId: core.tenantId, code: 'main', nameJa: '本館', nameEn: 'Main', kind: 'library' })
    .returning();
  const [bib] = await db
    .insert(bibRecords)
    .values({ tenantId: core.tenantId, title: '石垣島の植物', titleReading: 'イシガキジマノショクブツ' })
    .returning();
  const [item] = await db
    .insert(items)
    .values({
      tenantId: core.tenantId,
      bibId: bib!.id,
      barcode: '1000001',
      locationId: loc!.id,
      shelf: '郷土資料 3',
      callNumber: 'K472/イ',
    })
    .returning();
  itemId = item!.id;

  const creds = await core.register('kiosk-agent');
  const dataDir = core.tempDir();
  prints = join(dataDir, 'prints');
  agent = createAgent(
    agentConfig(core, creds, dataDir, [
      {
        id: 'receipt-1',
        kind: 'receiptPrinter',
        profile: 'epson-tm-t88vi',
        transport: { type: 'virtual', dir: prints },
      },
    ]),
    { logger: silentLogger },
  );
  await agent.start();
  await vi.waitFor(async () => expect((await core.agentRow(creds.agentId))?.status).toBe('online'), {
    timeout: 15_000,
    interval: 50,
  });
  await db
    .update(tenants)
    .set({
      settings: {
        kiosks: {
          k1: { nameJa: '1階OPAC', agentCode: 'kiosk-agent', printerDeviceId: 'receipt-1', idleSeconds: 60 },
          noprinter: { nameJa: '2階OPAC' },
        },
      },
    })
    .where(eq(tenants.id, core.tenantId));
});

afterAll(async () => {
  await agent?.stop();
  await core?.close();
});

describe('print a location slip from a kiosk', () => {
  it('prints title, location, shelf and call number on the kiosk’s printer, and logs it', async () => {
    const res = await slip('k1', { itemId });
    expect(res.status, await res.clone().text()).toBe(200);
    const { jobId } = (await res.json()) as { jobId: string };
    await vi.waitFor(() => expect(printed()).toHaveLength(1), { timeout: 10_000, interval: 50 });
    const text = printed()[0]!;
    for (const s of ['所在票', '石垣島の植物', '本館', '郷土資料 3', 'K472/イ', '貸出可'])
      expect(text).toContain(s);
    const [entry] = await core.database.db
      .select({
        details: operationLog.details,
        targetId: operationLog.targetId,
        actorKind: operationLog.actorKind,
        staffId: operationLog.staffId,
      })
      .from(operationLog)
      .where(
        and(eq(operationLog.tenantId, core.tenantId), eq(operationLog.action, 'kiosk.printLocationSlip')),
      );
    // nobody is logged in at a kiosk: the entry names the kiosk and the copy, no person
    expect(entry).toEqual({
      targetId: itemId,
      details: { kioskId: 'k1', jobId },
      actorKind: 'anonymous',
      staffId: null,
    });
  });

  it('accepts no free text, no unknown kiosk and no kiosk without a printer', async () => {
    const before = printed().length;
    const free = await slip('k1', { itemId, text: '好きな文字' });
    expect(free.status).toBe(400);
    expect((await slip('nosuch', { itemId })).status).toBe(404);
    expect((await slip('noprinter', { itemId })).status).toBe(404);
    expect((await slip('k1', { itemId: '00000000-0000-4000-8000-000000000000' })).status).toBe(404);
    expect((await slip('../etc', { itemId })).status).toBe(404);
    expect(printed()).toHaveLength(before);
  });

  it('prints a few slips a minute per kiosk, then answers 429 with retry-after', async () => {
    const sent = printed().length;
    const statuses: number[] = [];
    for (let i = 0; i < SLIPS_PER_KIOSK_PER_MINUTE; i++) statuses.push((await slip('k1', { itemId })).status);
    // the first test's slip counts too (and refused requests before it): the window is per kiosk
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    const refused = await slip('k1', { itemId });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const ok = statuses.filter((s) => s === 200).length;
    await vi.waitFor(() => expect(printed()).toHaveLength(sent + ok), { timeout: 10_000, interval: 50 });
  });
});
