// The devices page (端末) shows each printer's own status and the latest print jobs with their state.
// Data is put in place as the agent bridge and the print-job verbs leave it; the pipeline itself is
// tested in edge-agent/test (print-jobs, printer-status, ipp-cups).
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../cloud/src/db/client.ts';
import { devices, printJobs } from '../../cloud/src/db/schema/index.ts';
import { call, login, makeTenant, testApp } from '../../cloud/test/support/test-app.ts';
import { freshDatabase } from '../../cloud/test/support/test-db.ts';
import { CHROMIUM, launchChromium, serveOnLoopback } from './browser.ts';
import { ensureWebBuild, webRoot } from './web-build.ts';

const haveChromium = existsSync(CHROMIUM);

describe.skipIf(!haveChromium)('devices page: printer status and print jobs (Chromium)', () => {
  let database: Database;
  let served: Awaited<ReturnType<typeof serveOnLoopback>> | undefined;
  let browser: Browser;
  let cookie = '';

  beforeAll(async () => {
    await ensureWebBuild();
    database = await freshDatabase();
    const { tenant } = await makeTenant(database, 'e2eprint');
    const app = testApp(database, { webRoot });
    const admin = await login(app, 'e2eprint', 'admin');
    const res = await call(app, admin, 'POST', '/api/agents', { code: 'desk-pc', nameJa: 'カウンターPC' });
    const agentId = ((await res.json()) as { id: string }).id;
    await database.db.insert(devices).values([
      {
        tenantId: tenant.id,
        agentId,
        deviceKey: 'receipt-1',
        kind: 'receiptPrinter',
        profile: 'epson-tm-t88vi',
        transport: 'tcp9100',
        status: 'paperEnd',
        detail: 'paper end',
      },
      {
        tenantId: tenant.id,
        agentId,
        deviceKey: 'office-1',
        kind: 'colorPrinter',
        profile: 'generic-ipp-a4',
        transport: 'ipp',
        status: 'ok',
      },
    ]);
    const job = (
      document: string,
      state: 'queued' | 'done' | 'failed' | 'expired',
      reason: string | null,
      at: number,
    ) => ({
      id: randomUUID(),
      tenantId: tenant.id,
      agentId,
      deviceKey: document === 'overdue-letter' ? 'office-1' : 'receipt-1',
      document,
      state,
      reason,
      createdAt: new Date(Date.now() - at),
      notAfter: new Date(Date.now() - at + 120_000),
    });
    await database.db
      .insert(printJobs)
      .values([
        job('overdue-letter', 'done', null, 30_000),
        job('checkout-receipt', 'failed', 'printerNotReady: paper end', 20_000),
        job('checkout-receipt', 'expired', null, 10_000),
        job(
          'checkout-receipt',
          'queued',
          'waitingForAgent: the agent is not connected; the job is sent when it is back online, until the job expires',
          5_000,
        ),
      ]);
    cookie = await login(app, 'e2eprint', 'counter');
    served = await serveOnLoopback(app);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await served?.close();
    await database?.close();
  });

  it('says which printer is out of paper, where each job ended and why one waits, in Japanese', async () => {
    const base = served!.base;
    const context = await browser.newContext({ locale: 'ja-JP' });
    const [name, value] = [cookie.slice(0, cookie.indexOf('=')), cookie.slice(cookie.indexOf('=') + 1)];
    await context.addCookies([{ name, value, url: base }]);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${base}/devices`);
    await page.getByRole('heading', { level: 2, name: '印刷ジョブ' }).waitFor();

    const paper = page.locator('[data-device-status="paperEnd"]');
    expect(await paper.textContent()).toBe('用紙切れ');
    expect(await paper.getAttribute('title')).toBe('paper end');
    expect(await page.locator('[data-device-status="ok"]').textContent()).toBe('正常');

    const rows = page.getByRole('region', { name: '印刷ジョブ' }).locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(4);
    const cells = await rows.evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].slice(1).map((td) => td.textContent?.trim())),
    );
    expect(cells).toEqual([
      ['checkout-receipt', 'receipt-1', '待機中', '端末の接続待ち（接続が戻りしだい送ります）'],
      ['checkout-receipt', 'receipt-1', '期限切れ（印刷せず）', ''],
      ['checkout-receipt', 'receipt-1', '失敗', 'プリンタが印刷できる状態ではありません（paper end）'],
      ['overdue-letter', 'office-1', '完了', ''],
    ]);
    // the reason as it came stays at hand (the title)
    expect(await rows.nth(2).locator('[data-job-reason="printerNotReady"]').getAttribute('title')).toBe(
      'printerNotReady: paper end',
    );
    expect(errors).toEqual([]);
    await context.close();
  });
});
