import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import type { Database } from '../src/db/client.ts';
import { agents, devices, loans, patrons } from '../src/db/schema/index.ts';
import { addDays } from '../src/domain/calendar/dates.ts';
import { makeLibrary } from './support/library-fixture.ts';
import { silentLogger } from './support/test-app.ts';
import { freshDatabase } from './support/test-db.ts';

const TOKEN = 'metrics-token-for-tests-0123';
let database: Database;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  database = await freshDatabase();
  const lib = await makeLibrary(database, 'mtr');
  app = createApp({
    config: loadConfig({ BUNKO_DATA_DIR: '/tmp/bunko-test-unused', BUNKO_METRICS_TOKEN: TOKEN }),
    database,
    logger: silentLogger,
  });
  const [a] = await database.db
    .insert(agents)
    .values({
      tenantId: lib.tenantId,
      code: 'desk-1',
      nameJa: 'カウンター1',
      secretHash: 'x',
      status: 'online',
      info: { version: '0.1.0' },
      lastSeenAt: new Date('2026-11-25T01:00:00Z'),
    })
    .returning();
  await database.db.insert(devices).values([
    {
      tenantId: lib.tenantId,
      agentId: a!.id,
      deviceKey: 'receipt-1',
      kind: 'receiptPrinter',
      profile: 'epson-tm-t88vi',
      transport: 'tcp9100',
      status: 'paperEnd',
    },
    {
      tenantId: lib.tenantId,
      agentId: a!.id,
      deviceKey: 'reader-1',
      kind: 'barcodeReader',
      profile: 'generic-nw7-reader',
      transport: 'serial',
      status: 'ok',
    },
  ]);
  await database.db.insert(loans).values({
    tenantId: lib.tenantId,
    itemId: lib.items['1000001']!.id,
    patronId: lib.patronIds.alice!,
    locationId: lib.mainId,
    dueOn: addDays(lib.today, -2),
  });
  await database.db.update(patrons).set({ name: '比嘉 美咲' }).where(eq(patrons.id, lib.patronIds.alice!));
});
afterAll(async () => {
  await database?.close();
});

describe('GET /metrics (Prometheus)', () => {
  it('refuses a scrape without the token', async () => {
    expect((await app.request('/metrics')).status).toBe(401);
    expect(
      (await app.request('/metrics', { headers: { authorization: 'Bearer wrong-token-wrong-token' } }))
        .status,
    ).toBe(401);
  });

  it('reports agents, devices, loans and no personal data', async () => {
    const res = await app.request('/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('version=0.0.4');
    const text = await res.text();
    expect(text).toContain('# TYPE bunko_agent_up gauge');
    expect(text).toContain('bunko_agent_up{tenant="mtr",agent="desk-1",version="0.1.0"} 1');
    expect(text).toContain('bunko_agent_last_seen_timestamp_seconds{tenant="mtr",agent="desk-1"} 1795568400');
    expect(text).toContain(
      'bunko_device_ok{tenant="mtr",agent="desk-1",device="receipt-1",kind="receiptPrinter",status="paperEnd"} 0',
    );
    expect(text).toContain(
      'bunko_device_ok{tenant="mtr",agent="desk-1",device="reader-1",kind="barcodeReader",status="ok"} 1',
    );
    expect(text).toContain('bunko_loans_active{tenant="mtr"} 1');
    expect(text).toContain('bunko_loans_overdue{tenant="mtr"} 1');
    expect(text).not.toContain('比嘉');
  });

  it('does not exist when no token is configured', async () => {
    const plain = createApp({
      config: loadConfig({ BUNKO_DATA_DIR: '/tmp/x' }),
      database,
      logger: silentLogger,
    });
    expect((await plain.request('/metrics')).status).toBe(404);
  });
});
