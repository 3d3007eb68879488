// The README's quick start, end to end: the core started as `npm start` starts it (real process,
// embedded PGlite in a fresh data directory, embedded broker, demo library and demo agent), then a
// demo login in headless Chromium, the demo collection in search, and a ping that goes
// browser → core → MQTT → the demo agent process and back.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { barcodeMarker, decodeEscPos, paperText } from '@bunko/protocols/escpos-decode';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, launchChromium } from './browser.ts';
import { ensureWebBuild, root } from './web-build.ts';

const freePort = () =>
  new Promise<number>((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address() as { port: number };
      s.close(() => ok(a.port));
    });
  });

describe.skipIf(!existsSync(CHROMIUM))('npm start → demo login in Chromium', () => {
  let core: ChildProcess;
  let browser: Browser;
  let base = '';
  let banner = '';
  const dataDir = mkdtempSync(join(tmpdir(), 'bunko-demo-e2e-'));

  beforeAll(async () => {
    await ensureWebBuild();
    const [port, mqttPort, wsPort, publicPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    base = `http://127.0.0.1:${port}`;
    core = spawn(process.execPath, ['--import', 'tsx', join(root, 'cloud/src/main.ts')], {
      cwd: root,
      env: {
        ...process.env,
        PORT: String(port),
        MQTT_PORT: String(mqttPort),
        MQTT_WS_PORT: String(wsPort),
        BUNKO_PUBLIC_PORT: String(publicPort),
        BUNKO_DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        DATABASE_URL: '',
        MQTT_URL: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    core.stderr!.on('data', (d) => {
      err += d;
    });
    await new Promise<void>((ok, fail) => {
      core.stdout!.on('data', (d) => {
        banner += d;
        if (banner.includes('is ready')) ok();
      });
      core.once('exit', (code) => fail(new Error(`core exited ${code}: ${err}`)));
    });
    browser = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    if (core && core.exitCode === null) {
      const done = new Promise((r) => core.once('exit', r));
      core.kill('SIGTERM');
      await done;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the URL and the demo logins', () => {
    expect(banner).toContain(`${base}/`);
    expect(banner).toContain('ID: librarian');
    expect(banner).toContain('bunko-librarian');
  });

  it('the demo patron printed in the banner logs in to My Library through the public OPAC service', async () => {
    const m = /card (\S+) password: (\S+)/.exec(banner);
    expect(m).not.toBeNull();
    const publicBase = /蔵書検索[^\n]*— (\S+?)\/?\n/.exec(banner)![1]!;
    const login = await fetch(`${publicBase}/api/my/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: publicBase },
      body: JSON.stringify({ tenant: 'ishigaki', cardNumber: m![1], password: m![2] }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const loans = await fetch(`${publicBase}/api/my/loans`, { headers: { cookie } });
    expect(loans.status).toBe(200);
    expect(Array.isArray(((await loans.json()) as { loans: unknown }).loans)).toBe(true);
  });

  it('a demo login reaches the dashboard, finds the demo collection and pings the demo agent', async () => {
    const context = await browser.newContext({ locale: 'ja-JP' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    await page.goto(base);
    await page.waitForURL(`${base}/login`);
    await expect
      .poll(() => page.getByLabel('図書館コード').inputValue(), { timeout: 15_000 })
      .toBe('ishigaki');
    const demo = page.getByRole('region', { name: 'デモ用ログイン' });
    await demo.getByRole('button', { name: /司書/ }).click();
    await page.getByLabel('パスワード').fill('bunko-librarian');
    await page.getByRole('button', { name: 'ログイン', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'ダッシュボード' }).waitFor();
    expect(await page.getByRole('banner').textContent()).toContain('石垣市立図書館');

    // the demo collection is searchable in Japanese
    await page.getByRole('navigation').first().getByRole('link', { name: '資料検索' }).click();
    await page.getByRole('heading', { level: 1, name: '資料検索' }).waitFor();
    await page.getByLabel(/検索語/).fill('沖縄');
    await page.keyboard.press('Enter');
    await expect
      .poll(async () => (await page.locator('main table tbody tr').count()) > 0, { timeout: 20_000 })
      .toBe(true);
    expect(await page.locator('main table tbody').textContent()).toContain('沖縄');
    await context.close();

    // the demo agent (a separate process) is online; IT pings it through the embedded broker
    const it = await browser.newContext({ locale: 'ja-JP' });
    const itPage = await it.newPage();
    itPage.on('pageerror', (e) => errors.push(e.message));
    await itPage.goto(`${base}/login`);
    await expect
      .poll(() => itPage.getByLabel('図書館コード').inputValue(), { timeout: 15_000 })
      .toBe('ishigaki');
    await itPage.getByLabel('ログインID').fill('it');
    await itPage.getByLabel('パスワード').fill('bunko-it');
    await itPage.getByRole('button', { name: 'ログイン', exact: true }).click();
    await itPage.getByRole('heading', { level: 1, name: 'ダッシュボード' }).waitFor();
    await itPage.getByRole('navigation').first().getByRole('link', { name: '端末' }).click();
    await itPage.getByRole('heading', { level: 1, name: '端末' }).waitFor();
    // the agent connects a moment after the core is ready: reload until it shows online
    await expect
      .poll(
        async () => {
          await itPage.reload();
          await itPage.getByRole('heading', { level: 1, name: '端末' }).waitFor();
          return (await itPage.locator('main').textContent()) ?? '';
        },
        { timeout: 60_000, interval: 2_000 },
      )
      .toContain('接続中');
    await itPage.getByRole('button', { name: /疎通確認: カウンター端末/ }).click();
    await expect
      .poll(async () => (await itPage.locator('.ping-result').first().textContent()) ?? '', {
        timeout: 20_000,
      })
      .toMatch(/応答 [\d.]+ ミリ秒/);
    await it.close();
    expect(errors).toEqual([]);
  }, 180_000);

  it('the demo kiosk (館内OPAC) prints a location slip on the demo agent’s receipt printer', async () => {
    const context = await browser.newContext({ locale: 'ja-JP', viewport: { width: 1080, height: 1920 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/opac?kiosk=demo`);
    await page.getByLabel('キーワード(書名・著者名など)').fill('沖縄');
    await page.getByRole('button', { name: 'さがす', exact: true }).click();
    await page.locator('.hit-title a').first().click();
    await page.getByRole('heading', { level: 1 }).waitFor();
    const title = (await page.getByRole('heading', { level: 1 }).textContent()) ?? '';
    const prints = join(dataDir, 'demo-prints');
    const before = newestPrint(prints).count;
    await page.getByRole('button', { name: '所在票を印刷' }).first().click();
    await expect
      .poll(() => page.locator('.notice-live').textContent(), { timeout: 20_000 })
      .toContain('所在票を印刷しました');
    await expect.poll(() => newestPrint(prints).count, { timeout: 20_000 }).toBe(before + 1);
    // the real ESC/POS job the printer got, read back
    const text = paperText(decodeEscPos(readFileSync(newestPrint(prints).path!)));
    expect(text).toContain('所在票');
    expect(text).toContain(title.slice(0, 8));
    await context.close();
    expect(errors).toEqual([]);
  }, 120_000);

  it('a checkout’s receipt printed on the demo agent’s virtual receipt printer shows on the 端末 page', async () => {
    const card = /card (\S+) password/.exec(banner)![1]!;
    const context = await browser.newContext({ locale: 'ja-JP' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/login`);
    await expect
      .poll(() => page.getByLabel('図書館コード').inputValue(), { timeout: 15_000 })
      .toBe('ishigaki');
    await page.getByLabel('ログインID').fill('librarian');
    await page.getByLabel('パスワード').fill('bunko-librarian');
    await page.getByRole('button', { name: 'ログイン', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'ダッシュボード' }).waitFor();

    // lend an available demo copy to the demo patron and send its 貸出票 to the demo agent, as the
    // staff client's session does (the tests' tsconfig has no DOM lib, so the script is a string)
    const lent = await page.evaluate<{ title: string; barcode: string; state: string }>(`(async () => {
      const j = async (path, body) => {
        const r = await fetch(path, body ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {});
        const b = await r.json();
        if (!r.ok) throw new Error(path + ' ' + r.status + ' ' + JSON.stringify(b));
        return b;
      };
      const ref = await j('/api/reference');
      const desk = ref.locations.find((l) => l.kind === 'library') || ref.locations[0];
      const found = await j('/api/bibs?availability=available&facets=false&q=' + encodeURIComponent('沖縄'));
      const bib = await j('/api/bibs/' + found.items[0].id);
      const copy = bib.items.find((i) => i.status === 'available');
      const loan = await j('/api/circulation/checkout', { patron: { cardBarcode: ${JSON.stringify(card)} }, itemBarcode: copy.barcode, locationId: desk.id });
      const agent = (await j('/api/agents')).agents.find((a) => a.code === 'demo-counter');
      const job = await j('/api/print-jobs/checkout-receipt', { agentId: agent.id, deviceKey: 'receipt-1', loanIds: [loan.loanId] });
      return { title: bib.title, barcode: copy.barcode, state: job.state };
    })()`);
    expect(lent.state).toBe('done');

    await page.getByRole('navigation').first().getByRole('link', { name: '端末' }).click();
    await page.getByRole('heading', { level: 1, name: '端末' }).waitFor();
    const output = page.getByRole('region', { name: '仮想プリンタの出力(デモ)' });
    const newest = output.getByRole('figure').first();
    await expect
      .poll(
        async () => {
          await output.getByRole('button', { name: '最新の出力を表示' }).click();
          return (await newest.textContent()) ?? '';
        },
        { timeout: 15_000 },
      )
      .toContain('貸出票');
    const paper = (await newest.textContent()) ?? '';
    // the page shows the ESC/POS bytes read back, line by line: the newest .bin, not the text layout
    const decoded = decodeEscPos(readFileSync(newestPrint(join(dataDir, 'demo-prints')).path!));
    expect(
      await newest
        .locator('.paper-line')
        .evaluateAll((els) => els.map((e) => (e as { textContent: string }).textContent)),
    ).toEqual(
      decoded
        .filter((l) => l.type !== 'cut')
        .map((l) => (l.type === 'text' ? l.text || '\u00a0' : barcodeMarker(l))),
    );
    expect(await newest.getByRole('separator', { name: '切り取り線' }).count()).toBe(1);
    await expect
      .poll(() => newest.locator('.paper-line.large.bold').first().textContent())
      .toContain('石垣市立図書館'); // the heading: centred, emphasised, double size
    expect(paper).toContain('receipt-1');
    expect(paper).toContain('石垣市立図書館');
    expect(paper).toContain(lent.title.slice(0, 8));
    expect(paper).toContain(lent.barcode);
    expect(paper).not.toContain(card); // the card number is masked on the paper
    await context.close();
    expect(errors).toEqual([]);
  }, 120_000);
});

/** The demo receipt printer's ESC/POS jobs: how many, and the newest. */
function newestPrint(dir: string): { count: number; path?: string } {
  const jobs = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.bin')) : [];
  const path = jobs.map((f) => join(dir, f)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  return { count: jobs.length, path };
}
