// 機器監視 on the devices page: IT sees the agent's config hash, sends a config the agent refuses
// (the fields it named are shown, the refusal lands in the recent errors) and restarts the agent.
// The agent is the real one, in process, over the embedded aedes; its "service manager" starts a
// new agent when it asks to restart.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { login, silentLogger, testApp } from '../../cloud/test/support/test-app.ts';
import { type Agent, createAgent } from '../../edge-agent/src/agent.ts';
import { loadAgentConfig } from '../../edge-agent/src/config.ts';
import { type Core, startCore } from '../../edge-agent/test/support/core.ts';
import { CHROMIUM, launchChromium, serveOnLoopback } from './browser.ts';
import { ensureWebBuild, webRoot } from './web-build.ts';

const haveChromium = existsSync(CHROMIUM);

describe.skipIf(!haveChromium)('devices page: fleet monitoring (Chromium)', { timeout: 180_000 }, () => {
  let core: Core;
  let served: Awaited<ReturnType<typeof serveOnLoopback>> | undefined;
  let browser: Browser;
  let agent: Agent | undefined;
  let starts = 0;
  let cookie = '';
  let agentId = '';

  beforeAll(async () => {
    await ensureWebBuild();
    core = await startCore('e2efleet');
    const creds = await core.register('desk-pc');
    agentId = creds.agentId;
    const dir = core.tempDir();
    const configPath = join(dir, 'agent.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        tenantId: core.tenantId,
        agentId: creds.agentId,
        mqtt: { url: core.url, username: creds.username, password: creds.password, reconnectMs: 200 },
        dataDir: 'data',
        devices: [
          {
            id: 'receipt-1',
            kind: 'receiptPrinter',
            profile: 'generic-escpos-58mm',
            transport: { type: 'virtual' },
          },
        ],
      }),
    );
    const run = async () => {
      starts += 1;
      const a = createAgent(loadAgentConfig(configPath), {
        logger: silentLogger,
        configPath,
        onRestart: () => void a.stop().then(run),
      });
      agent = a;
      await a.start();
    };
    await run();
    await vi.waitFor(async () => expect((await core.agentRow(agentId))?.info).toBeTruthy(), {
      timeout: 30_000,
      interval: 50,
    });
    served = await serveOnLoopback(testApp(core.database, { agents: core.bridge, webRoot }));
    cookie = await login(core.app, 'e2efleet', 'it');
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await served?.close();
    await agent?.stop();
    await core?.close();
  });

  it('refuses a bad config with its fields and restarts the agent, in Japanese', async () => {
    const base = served!.base;
    const context = await browser.newContext({ locale: 'ja-JP' });
    const [name, value] = [cookie.slice(0, cookie.indexOf('=')), cookie.slice(cookie.indexOf('=') + 1)];
    await context.addCookies([{ name, value, url: base }]);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('dialog', (d) => void d.accept());
    await page.goto(`${base}/devices`);
    const fleet = page.getByRole('region', { name: '機器監視' });
    await fleet.waitFor();
    // the table shows the start of the config hash the agent reported
    const reported = (await core.agentRow(agentId))!.info as { configHash: string };
    await page.getByText(reported.configHash.slice(0, 12)).first().waitFor();

    await fleet.locator('summary', { hasText: 'desk-pc' }).click();
    await fleet.getByLabel('新しい設定(JSON)').fill(
      JSON.stringify({
        tenantId: core.tenantId,
        agentId,
        mqtt: { url: core.url, username: 'x' },
        dataDir: 'data',
        devices: [
          { id: 'r', kind: 'receiptPrinter', profile: 'no-such-printer', transport: { type: 'virtual' } },
        ],
      }),
    );
    await fleet.getByRole('button', { name: '設定を送信して適用' }).click();
    const issues = fleet.getByTestId('fleet-issues');
    await issues.waitFor();
    expect(await issues.textContent()).toBe('devices[0].profile: unknown profile "no-such-printer"');
    await expect.poll(() => fleet.getByText('invalidConfig').count()).toBeGreaterThan(0);

    await fleet.getByRole('button', { name: 'エージェントを再起動' }).click();
    await fleet.getByText('再起動しています。まもなく接続中に戻ります。').waitFor();
    await expect.poll(() => starts).toBe(2);
    expect(errors).toEqual([]);
    await context.close();
  });
});
