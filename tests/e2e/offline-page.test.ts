// tests/e2e — the bookmobile's offline counter page (served by the agent on loopback) in Chromium:
// a card and an item typed as a wedge scanner types them, a refusal read out, the pending list;
// and with the whole agent and its receipt printer on TCP 9100, one offline receipt per operation
// however often the page sends it. Skipped when /usr/bin/chromium is absent.
import { tokyoDateTime } from '@bunko/protocols';
import iconv from 'iconv-lite';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capturePrinter, closedPort } from '../../edge-agent/test/support/core.ts';
import {
  offlineAgent,
  offlineCounterOnly,
  testPackage,
} from '../../edge-agent/test/support/offline-fixture.ts';
import { haveChromium, launchChromium } from './browser.ts';

type Answer = { ok: boolean; repeated: boolean; receipt?: string; operation: { id: string } };
type Status = { pending: { at: string; kind: string; itemBarcode: string }[] };

/** The page's own fetch (the tests' tsconfig has no DOM lib, so the script is a string). */
const pageJson = <T>(page: Page, script: string) => page.evaluate<T>(script);

describe.skipIf(!haveChromium)('offline bookmobile counter page (Chromium)', () => {
  let counter: Awaited<ReturnType<typeof offlineCounterOnly>>;
  let browser: Browser;

  beforeAll(async () => {
    counter = await offlineCounterOnly();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await counter?.close();
  });

  it('lends and takes back with the keyboard, says why a card is refused, lists what waits for replay', async () => {
    const page = await (await browser.newContext({ locale: 'ja-JP' })).newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => {
      if (/Content Security Policy/i.test(msg.text())) errors.push(msg.text());
    });
    await page.goto(counter.url);
    const status = page.getByRole('status');
    await expect.poll(() => status.textContent()).toContain('本館と接続できません');
    await expect.poll(() => page.getByLabel('巡回場所 (station)').inputValue()).not.toBe('');
    expect(await page.locator('#station option').allTextContents()).toEqual(['川平公民館']);

    await page.getByLabel('利用者カード').click();
    await page.keyboard.type('A20000001A');
    await page.keyboard.press('Enter'); // on to the item field, as after a card scan
    await page.keyboard.type('3000001');
    await page.keyboard.press('Enter');
    const message = page.getByRole('alert');
    const due = testPackage().stations[0]!.visits[1]!;
    await expect.poll(() => message.textContent()).toBe(`貸出しました：星砂の島　返却期限 ${due}`);

    await page.getByLabel('利用者カード').fill('20000004');
    await page.getByLabel('資料バーコード', { exact: true }).first().fill('3000002');
    await page.getByRole('button', { name: '貸出' }).click();
    await expect.poll(() => message.textContent()).toBe('この利用者は貸出停止中です');

    await page.locator('#returnItem').fill('3000001');
    await page.keyboard.press('Enter');
    await expect.poll(() => message.textContent()).toBe('返却を記録しました：星砂の島');
    await expect.poll(() => page.locator('#pending tr').count()).toBe(2);
    expect(await page.locator('#pending tr').first().textContent()).toContain('貸出3000001');
    expect(errors).toEqual([]);
  });

  describe('receipts on the bookmobile’s printer', () => {
    let printer: Awaited<ReturnType<typeof capturePrinter>>;
    let bookmobile: Awaited<ReturnType<typeof offlineAgent>>;

    beforeAll(async () => {
      printer = await capturePrinter();
      bookmobile = await offlineAgent({ brokerPort: await closedPort(), printerPort: printer.port });
    });
    afterAll(async () => {
      await bookmobile?.close();
      await printer?.close();
    });

    /** a printed job as text: ESC/POS Kanji mode sends CP932, the commands stay as control bytes */
    const printed = (i: number) => iconv.decode(printer.jobs[i]!, 'cp932');

    it('prints an オフライン貸出 and an オフライン返却 receipt once each, also when the page sends a return twice', async () => {
      const page = await (await browser.newContext({ locale: 'ja-JP' })).newPage();
      await page.goto(bookmobile.url);
      await expect.poll(() => page.getByRole('status').textContent()).toContain('本館と接続できません');
      await expect.poll(() => page.getByLabel('巡回場所 (station)').inputValue()).not.toBe('');

      await page.getByLabel('利用者カード').fill('A20000001A');
      await page.getByLabel('資料バーコード', { exact: true }).first().fill('3000001');
      await page.getByRole('button', { name: '貸出' }).click();
      const message = page.getByRole('alert');
      await expect.poll(() => message.textContent()).toContain('（レシートを印刷します）');
      await expect.poll(() => printer.jobs.length).toBe(1);
      const status = await pageJson<Status>(page, `fetch('/api/status').then((r) => r.json())`);
      const [lent] = status.pending;
      const loanReceipt = printed(0);
      expect(loanReceipt).toContain('オフライン貸出');
      expect(loanReceipt).toContain(tokyoDateTime(new Date(lent!.at)));
      expect(loanReceipt).toContain('川平公民館');
      expect(loanReceipt).toContain('星砂の島');
      expect(loanReceipt).toContain('3000001');
      expect(loanReceipt).toContain('本館との通信が戻りしだい記録されます。');
      expect(loanReceipt).not.toContain('20000001'); // the card number is masked
      expect(loanReceipt).toContain('****0001');

      // the page sends one return three times (two at once, then again): one journal line, one answer
      const answers = await pageJson<Answer[]>(
        page,
        `(async () => {
          const body = JSON.stringify({ id: crypto.randomUUID(), itemBarcode: '3000001' });
          const post = () => fetch('/api/return', { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then((r) => r.json());
          const both = await Promise.all([post(), post()]);
          return [...both, await post()];
        })()`,
      );
      expect(answers.every((a) => a.ok && a.receipt === 'printing')).toBe(true);
      expect(new Set(answers.map((a) => a.operation.id)).size).toBe(1);
      expect(answers.map((a) => a.repeated)).toEqual([false, true, true]);

      // one more loan through the page: its receipt comes right after the one return receipt
      await page.getByLabel('利用者カード').fill('A20000001A');
      await page.getByLabel('資料バーコード', { exact: true }).first().fill('3000002');
      await page.getByRole('button', { name: '貸出' }).click();
      await expect.poll(() => message.textContent()).toContain('（レシートを印刷します）');
      await expect.poll(() => printer.jobs.length).toBeGreaterThanOrEqual(3);
      expect(printer.jobs).toHaveLength(3);
      const returnReceipt = printed(1);
      expect(returnReceipt).toContain('オフライン返却');
      expect(returnReceipt).toContain('返却日時');
      expect(returnReceipt).toContain('3000001');
      expect(returnReceipt).not.toContain('返却期限');
      expect(printed(2)).toContain('オフライン貸出');
      expect(printed(2)).toContain('3000002');
      const after = await pageJson<Status>(page, `fetch('/api/status').then((r) => r.json())`);
      expect(after.pending.map((p) => `${p.kind} ${p.itemBarcode}`)).toEqual([
        'checkout 3000001',
        'return 3000001',
        'checkout 3000002',
      ]);
    });
  });
});
