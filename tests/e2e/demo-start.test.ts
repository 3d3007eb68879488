// The README's quick start, end to end: the core started as `npm start` starts it (real process,
// embedded PGlite in a fresh data directory, embedded broker, demo library and demo agent), then a
// demo login in headless Chromium, the demo collection in search, and a ping that goes
// browser → core → MQTT → the demo agent process and back.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
    const [port, mqttPort, wsPort] = [await freePort(), await freePort(), await freePort()];
    base = `http://127.0.0.1:${port}`;
    core = spawn(process.execPath, ['--import', 'tsx', join(root, 'cloud/src/main.ts')], {
      cwd: root,
      env: {
        ...process.env,
        PORT: String(port),
        MQTT_PORT: String(mqttPort),
        MQTT_WS_PORT: String(wsPort),
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
});
