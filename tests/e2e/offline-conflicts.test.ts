// tests/e2e — オフライン貸出 in the staff client (Chromium): a replayed bookmobile session with a
// conflict is listed in Japanese, and a librarian marks it resolved with a note.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../cloud/src/db/client.ts';
import { offlineOperations, patrons } from '../../cloud/src/db/schema/index.ts';
import { systemCtx } from '../../cloud/src/domain/context.ts';
import { registerAgent } from '../../cloud/src/domain/devices/agents.ts';
import { replayOfflineOperations } from '../../cloud/src/domain/offline/replay.ts';
import { addBookmobile } from '../../cloud/test/support/bookmobile-fixture.ts';
import { makeLibrary } from '../../cloud/test/support/library-fixture.ts';
import { PASSWORD, testApp } from '../../cloud/test/support/test-app.ts';
import { freshDatabase } from '../../cloud/test/support/test-db.ts';
import { haveChromium, launchChromium, serveOnLoopback, staffLogIn } from './browser.ts';
import { ensureWebBuild, webRoot } from './web-build.ts';

const TENANT = 'e2e-offline';

describe.skipIf(!haveChromium)('offline lending conflicts in the staff client (Chromium)', () => {
  let database: Database;
  let served: Awaited<ReturnType<typeof serveOnLoopback>> | undefined;
  let browser: Browser;
  let conflictId = '';

  beforeAll(async () => {
    await ensureWebBuild();
    database = await freshDatabase();
    const lib = await makeLibrary(database, TENANT);
    const bm = await addBookmobile(database, lib);
    const ctx = systemCtx(database.db, lib.tenantId, 'test');
    const agent = await registerAgent(ctx, {
      code: 'bm-pc',
      nameJa: '移動図書館PC',
      locationId: bm.bookmobileId,
    });
    await database.db
      .update(patrons)
      .set({ status: 'suspended' })
      .where(eq(patrons.id, lib.patronIds.alice!));
    const sessionId = randomUUID();
    const [result] = await replayOfflineOperations(ctx, {
      agentId: agent.id,
      sentAt: new Date().toISOString(),
      ops: [
        {
          id: randomUUID(),
          seq: 1,
          sessionId,
          kind: 'checkout',
          at: new Date().toISOString(),
          locationId: bm.stationId,
          itemBarcode: '3000001',
          patronBarcode: lib.cards.alice!,
          dueOn: bm.visits[1]!,
          flags: [],
        },
      ],
    });
    conflictId = result!.id;
    served = await serveOnLoopback(
      testApp(database, { webRoot, publicConfig: () => ({ defaultTenant: TENANT, demo: false }) }),
    );
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await served?.close();
    await database?.close();
  });

  it('lists the conflict in Japanese and lets a librarian resolve it with a note', async () => {
    const page = await (await browser.newContext({ locale: 'ja-JP' })).newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await staffLogIn(page, served!.base, TENANT, 'librarian', PASSWORD);
    await page.getByRole('navigation').first().getByRole('link', { name: 'オフライン貸出' }).click();
    await page.getByRole('heading', { level: 1, name: 'オフライン貸出' }).waitFor();

    const row = page.getByRole('row', { name: /3000001/ });
    await expect.poll(() => row.textContent()).toContain('貸出停止中の利用者(貸出は記録済み)');
    expect(await page.getByRole('row', { name: /移動図書館PC/ }).textContent()).toMatch(
      /^移動図書館PC.*111$/,
    );
    await row.getByPlaceholder('対応の記録').fill('本人に連絡済み');
    await row.getByRole('button', { name: '確認済みにする' }).click();
    await page.getByText('確認が必要な記録はありません。').waitFor();
    const [op] = await database.db
      .select()
      .from(offlineOperations)
      .where(eq(offlineOperations.id, conflictId));
    expect(op).toMatchObject({ resolutionNote: '本人に連絡済み', patronId: null });
    expect(errors).toEqual([]);
  });
});
