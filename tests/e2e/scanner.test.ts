// tests/e2e — a serial barcode reader at the desk, in Chromium: the counter screen shows a pairing
// barcode, the desk's reader (a socat pseudo-terminal) "scans" it, the screen names the reader, and
// the card and item scanned on that reader lend the item exactly as typed scans do — also after a
// core restart, which keeps the pairing.
// Over the embedded aedes broker, and over the real Mosquitto too when MQTT_URL is set (CI's second
// run). Skipped without /usr/bin/chromium or socat. Run alone: npx vitest run tests/e2e/scanner.test.ts
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PERMISSIONS } from '@bunko/protocols';
import { and, eq, isNull } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AgentBridge } from '../../cloud/src/broker/agent-bridge.ts';
import {
  CORE_MQTT_USER,
  type EmbeddedBroker,
  startEmbeddedBroker,
} from '../../cloud/src/broker/embedded-broker.ts';
import type { Database } from '../../cloud/src/db/client.ts';
import { devices, items, loans, staffUsers } from '../../cloud/src/db/schema/index.ts';
import { registerAgent } from '../../cloud/src/domain/devices/agents.ts';
import { ScanHub } from '../../cloud/src/domain/scans/scan-hub.ts';
import { makeLibrary } from '../../cloud/test/support/library-fixture.ts';
import { PASSWORD, silentLogger, testApp } from '../../cloud/test/support/test-app.ts';
import { freshDatabase } from '../../cloud/test/support/test-db.ts';
import { type Agent, createAgent } from '../../edge-agent/src/agent.ts';
import { parseAgentConfig } from '../../edge-agent/src/config.ts';
import { haveSocat, socatPair } from '../../edge-agent/test/support/pty.ts';
import { CHROMIUM, launchChromium, serveOnLoopback } from './browser.ts';
import { ensureWebBuild, webRoot } from './web-build.ts';

const TENANT = 'e2escan';
const CORE_PASSWORD = 'core-password-for-scanner-e2e-0123456789';
const ready = existsSync(CHROMIUM) && haveSocat;

/**
 * The broker between the desk's agent and the core: the embedded aedes (with its logins and ACLs),
 * or MQTT_URL (Mosquitto on loopback, which takes anyone). Every topic carries the tenant's and the
 * agent's ids, random in each run's own database, and each MQTT client id is random too, so runs in
 * parallel on one Mosquitto never share a topic or a session.
 */
const brokers = [
  { name: 'embedded aedes', external: undefined as string | undefined },
  ...(process.env.MQTT_URL
    ? [{ name: `Mosquitto at ${process.env.MQTT_URL}`, external: process.env.MQTT_URL }]
    : []),
];

describe.skipIf(!ready).each(brokers)(
  'counter screen with a paired serial reader over $name (Chromium)',
  ({ external }) => {
    let database: Database;
    let broker: EmbeddedBroker | undefined;
    let bridge: AgentBridge;
    let agent: Agent;
    let socat: ChildProcess;
    let served: Awaited<ReturnType<typeof serveOnLoopback>> | undefined;
    let browser: Browser;
    let lib: Awaited<ReturnType<typeof makeLibrary>>;
    let agentId = '';
    let base = '';
    const dir = mkdtempSync(join(tmpdir(), 'bunko-e2e-scan-'));
    const host = join(dir, 'host');

    /** the reader sends a barcode and CR down the line */
    const readerSends = (text: string) => {
      const fd = openSync(host, 'w');
      try {
        writeSync(fd, `${text}\r`);
      } finally {
        closeSync(fd);
      }
    };

    /**
     * The core's app: the MQTT bridge, the scan hub and HTTP (with the web build) on `port` — a free
     * one at first, the same one again after a restart, where the page's scan stream reconnects.
     */
    async function startCoreApp(port = 0) {
      const scans = new ScanHub({ db: database.db, logger: silentLogger });
      bridge = new AgentBridge({
        url: external ?? `mqtt://127.0.0.1:${broker!.port}`,
        ...(external ? {} : { username: CORE_MQTT_USER, password: CORE_PASSWORD }),
        db: database.db,
        logger: silentLogger,
        events: scans,
      });
      await bridge.start();
      const app = testApp(database, {
        webRoot,
        agents: bridge,
        scans,
        publicConfig: () => ({ defaultTenant: TENANT, demo: false }),
      });
      served = await serveOnLoopback(app, port);
      base = served.base;
    }

    beforeAll(async () => {
      await ensureWebBuild();
      database = await freshDatabase();
      lib = await makeLibrary(database, TENANT);
      broker = external
        ? undefined
        : await startEmbeddedBroker({
            db: database.db,
            host: '127.0.0.1',
            port: 0,
            wsPort: 0,
            corePassword: CORE_PASSWORD,
            logger: silentLogger,
          });
      const url = external ?? `mqtt://127.0.0.1:${broker!.port}`;
      await startCoreApp();

      const [admin] = await database.db
        .select()
        .from(staffUsers)
        .where(and(eq(staffUsers.tenantId, lib.tenantId), eq(staffUsers.loginId, 'admin')));
      const registered = await registerAgent(
        {
          db: database.db,
          tenantId: lib.tenantId,
          staff: {
            id: admin!.id,
            loginId: 'admin',
            displayName: 'admin',
            sessionId: 'setup',
            permissions: new Set(PERMISSIONS),
          },
          workstation: null,
          requestId: 'setup',
          now: () => new Date(),
        },
        { code: 'counter-1', nameJa: 'カウンター1番' },
      );
      agentId = registered.id;

      ({ child: socat } = await socatPair(dir, { device: 'reader', host: 'host' }));
      agent = createAgent(
        parseAgentConfig(
          {
            tenantId: lib.tenantId,
            agentId,
            mqtt: {
              url,
              username: registered.mqttUsername,
              password: registered.mqttPassword,
              reconnectMs: 200,
            },
            dataDir: join(dir, 'agent'),
            devices: [
              {
                id: 'reader-1',
                kind: 'barcodeReader',
                profile: 'generic-serial-nw7-reader',
                transport: { type: 'serial', path: join(dir, 'reader'), suffix: 'cr' },
              },
            ],
          },
          { file: 'e2e', baseDir: dir },
        ),
        { logger: silentLogger },
      );
      await agent.start();
      await vi.waitFor(
        async () => {
          const [row] = await database.db
            .select({ status: devices.status })
            .from(devices)
            .where(and(eq(devices.agentId, agentId), eq(devices.deviceKey, 'reader-1')));
          expect(row?.status).toBe('ok');
        },
        { timeout: 15_000 },
      );

      browser = await launchChromium();
    });

    afterAll(async () => {
      await browser?.close();
      // an open scan stream would keep close() waiting
      await served?.close();
      await agent?.stop().catch(() => {});
      socat?.kill('SIGKILL');
      await bridge?.stop();
      await broker?.close();
      await database?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('pairs by scanning the code on screen, then lends from the reader’s scans', async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP' });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      page.on('console', (msg) => {
        if (/Content Security Policy/i.test(msg.text())) errors.push(msg.text());
      });

      await page.goto(`${base}/login`);
      await expect.poll(() => page.getByLabel('図書館コード').inputValue(), { timeout: 10_000 }).toBe(TENANT);
      await page.getByLabel('ログインID').fill('counter');
      await page.getByLabel('パスワード').fill(PASSWORD);
      await page.getByRole('button', { name: 'ログイン', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'ダッシュボード' }).waitFor();
      await page.getByRole('navigation').first().getByRole('link', { name: '貸出・返却' }).click();
      await page.getByRole('heading', { level: 1, name: '貸出・返却' }).waitFor();

      // 「スキャナー接続」 shows the pairing barcode (inline SVG) and its digits
      await page.getByRole('button', { name: 'スキャナー接続' }).click();
      const panel = page.getByRole('region', { name: 'バーコードリーダーの接続' });
      await panel.waitFor();
      const code = (await panel.locator('.scanner-code code').textContent())!;
      expect(code).toMatch(/^\$\d{10}$/);
      const svg = panel.getByRole('img', { name: `スキャナー接続用バーコード ${code}` });
      expect(await svg.locator('rect').count()).toBeGreaterThan(13 * 4);

      // the desk's reader scans it: the screen names the reader, and the panel goes
      readerSends(`A${code}A`);
      await expect
        .poll(() => page.locator('.scanner-paired').textContent(), { timeout: 15_000 })
        .toContain('カウンター1番(reader-1)');
      await expect.poll(() => panel.count()).toBe(0);

      // the card, then an item, on the reader: the same path as typed scans
      readerSends(lib.cards.alice!);
      const patron = page.getByRole('complementary', { name: /利用者/ });
      await expect
        .poll(() => patron.locator('.patron-name').textContent(), { timeout: 15_000 })
        .toBe('利用者 alice');
      readerSends('1000003');
      const lent = page.getByRole('list', { name: /今回の貸出/ });
      await expect.poll(() => lent.locator('li.feed-done').count(), { timeout: 15_000 }).toBe(1);
      expect(await lent.textContent()).toContain('書名 popular');
      const onLoan = async () =>
        (
          await database.db
            .select({ barcode: items.barcode })
            .from(loans)
            .innerJoin(items, eq(items.id, loans.itemId))
            .where(and(eq(loans.tenantId, lib.tenantId), isNull(loans.returnedAt)))
        )
          .map((r) => r.barcode)
          .sort();
      expect(await onLoan()).toEqual(['1000003']);

      // the core restarts (HTTP, scan hub, MQTT bridge) on the same database: the desk stays
      // paired — the reloaded screen names the reader again, and the reader's scans keep lending
      const port = Number(new URL(base).port);
      await served!.close();
      await bridge.stop();
      await startCoreApp(port);
      await page.reload();
      await page.getByRole('heading', { level: 1, name: '貸出・返却' }).waitFor();
      await expect
        .poll(() => page.locator('.scanner-paired').textContent(), { timeout: 15_000 })
        .toContain('カウンター1番(reader-1)');
      readerSends(lib.cards.alice!);
      await expect
        .poll(() => patron.locator('.patron-name').textContent(), { timeout: 15_000 })
        .toBe('利用者 alice');
      readerSends('1000001');
      await expect.poll(onLoan, { timeout: 15_000 }).toEqual(['1000001', '1000003']);

      // disconnect: the button is back
      await page.getByRole('button', { name: '接続解除' }).click();
      await page.getByRole('button', { name: 'スキャナー接続' }).waitFor();
      expect(errors).toEqual([]);
      await context.close();
    });
  },
);
