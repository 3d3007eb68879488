// tests/e2e — the staff 予約 page: the 取置連絡リスト and its 連絡済み button, in Chromium against the in-process
// core and the small library of cloud/test/support/library-fixture.ts. Skipped when /usr/bin/chromium is absent.
import { eq } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../cloud/src/db/client.ts';
import { holds, operationLog } from '../../cloud/src/db/schema/index.ts';
import { makeLibrary } from '../../cloud/test/support/library-fixture.ts';
import { call, login, PASSWORD, testApp } from '../../cloud/test/support/test-app.ts';
import { freshDatabase } from '../../cloud/test/support/test-db.ts';
import {
  collectPageErrors,
  failOnPageErrors,
  haveChromium,
  launchChromium,
  serveOnLoopback,
  staffLogIn,
} from './browser.ts';
import { ensureWebBuild, webRoot } from './web-build.ts';

const TENANT = 'e2e';

describe.skipIf(!haveChromium)('staff 予約 page: holds to phone (Chromium)', () => {
  let database: Database;
  let served: Awaited<ReturnType<typeof serveOnLoopback>> | undefined;
  let browser: Browser;
  let holdId = '';

  beforeAll(async () => {
    await ensureWebBuild();
    database = await freshDatabase();
    const lib = await makeLibrary(database, TENANT);
    const app = testApp(database, { webRoot, publicConfig: () => ({ defaultTenant: TENANT, demo: false }) });
    const counter = await login(app, TENANT, 'counter');
    const placed = await call(app, counter, 'POST', '/api/holds', {
      patronId: lib.patronIds.carol,
      bibId: lib.bibs.novel,
      pickupLocationId: lib.mainId,
      contactMethod: 'phone',
    });
    holdId = String(((await placed.json()) as { holdId: string }).holdId);
    const trapped = await call(app, counter, 'POST', '/api/circulation/return', {
      itemBarcode: '1000001',
      locationId: lib.mainId,
    });
    expect(trapped.status).toBe(200);
    served = await serveOnLoopback(app);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await served?.close();
    await database?.close();
  });

  const pageErrors = failOnPageErrors();

  it('lists the ready phone hold and takes it off the list once marked 連絡済み', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP' });
    const page = await context.newPage();
    collectPageErrors(page, pageErrors);
    await staffLogIn(page, served!.base, TENANT, 'counter', PASSWORD);
    await page.getByRole('navigation').first().getByRole('link', { name: '予約' }).click();
    await page.getByRole('heading', { level: 1, name: '取置連絡リスト（電話で連絡する予約）' }).waitFor();
    const row = page.getByRole('row', { name: /書名 novel/ });
    await row.waitFor();
    expect(await row.textContent()).toContain('利用者 carol');
    await row.getByRole('button', { name: '連絡済み' }).click();
    await page.getByText('連絡待ちの予約はありません。').waitFor();
    const [h] = await database.db.select().from(holds).where(eq(holds.id, holdId));
    expect(h!.notifiedVia).toBe('staff');
    const logs = await database.db
      .select()
      .from(operationLog)
      .where(eq(operationLog.action, 'hold.contacted'));
    expect(logs.map((l) => l.targetId)).toEqual([holdId]);
    await context.close();
  });
});
