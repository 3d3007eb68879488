// Debian's Chromium for the browser tests, started the way this machine needs it: no sandbox (root in
// CI), and none of the background connections that a closed network refuses many times a second.
import { existsSync, readFileSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { chromium, type Page } from 'playwright-core';
import { afterEach, expect } from 'vitest';

export const CHROMIUM = '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/**
 * Chromium with an ordinary (on-the-record) profile in `userDataDir`: what Chrome decides only for
 * real profiles, such as whether a site can be installed, is then decided as for a visitor.
 */
export function launchChromiumProfile(
  userDataDir: string,
  options: Parameters<typeof chromium.launchPersistentContext>[1] = {},
) {
  return chromium.launchPersistentContext(userDataDir, {
    ...options,
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
  });
}

/**
 * Serve an in-process app on a loopback port (a free one, or `port`: the same again after a core
 * restart); `close` also drops kept-alive and streaming connections.
 */
export async function serveOnLoopback(
  app: { fetch: (req: Request) => Response | Promise<Response> },
  port = 0,
) {
  let server: ReturnType<typeof serve> | undefined;
  const info = await new Promise<AddressInfo>((ok) => {
    server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, ok);
  });
  return {
    base: `http://127.0.0.1:${info.port}`,
    close: () =>
      new Promise<void>((ok) => {
        if (!server) return ok();
        (server as unknown as HttpServer).closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/** Uncaught exceptions and Content-Security-Policy refusals of a page, gathered into `into`. */
export function collectPageErrors(page: Page, into: string[]) {
  page.on('pageerror', (err) => into.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) into.push(`csp: ${msg.text()}`);
  });
}

/** A list for collectPageErrors; whatever lands in it fails the test that caused it (afterEach). */
export function failOnPageErrors(): string[] {
  const errors: string[] = [];
  afterEach(() => {
    expect(errors.splice(0)).toEqual([]);
  });
  return errors;
}

/** A staff login on the login page (library code prefilled by the app), ending on the dashboard. */
export async function staffLogIn(
  page: Page,
  base: string,
  tenant: string,
  loginId: string,
  password: string,
) {
  // a missing element fails the step that waited for it, well inside the test's own timeout
  // (expect.poll awaits each try, so Playwright's 30 s default twice over would outlast it)
  page.setDefaultTimeout(15_000);
  await page.goto(`${base}/login`);
  await expect.poll(() => page.getByLabel('図書館コード').inputValue(), { timeout: 10_000 }).toBe(tenant);
  await page.getByLabel('ログインID').fill(loginId);
  await page.getByLabel('パスワード').fill(password);
  await page.getByRole('button', { name: 'ログイン', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'ダッシュボード' }).waitFor();
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core in the page (evaluated, so the page's CSP stays as it is): WCAG 2.0–2.2 A and AA. */
export async function axeViolations(page: Page) {
  await page.evaluate(axeSource);
  type AxeResult = {
    passes: unknown[];
    violations: { id: string; impact: string; nodes: { target: string[] }[] }[];
  };
  const result = await page.evaluate<AxeResult>(
    `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })`,
  );
  expect(result.passes.length, 'axe ran its rules').toBeGreaterThan(10);
  return result.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
}
