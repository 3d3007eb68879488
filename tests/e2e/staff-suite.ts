// One staff-UI suite's plumbing: a fresh database with the test library, the core app with the web
// build on a loopback port, Chromium; all closed after the suite. Tests log in as a library's staff.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { Database } from '../../cloud/src/db/client.ts';
import { makeLibrary } from '../../cloud/test/support/library-fixture.ts';
import { PASSWORD, testApp } from '../../cloud/test/support/test-app.ts';
import { freshDatabase } from '../../cloud/test/support/test-db.ts';
import { launchChromium, serveOnLoopback, staffLogIn } from './browser.ts';
import { ensureWebBuild, webRoot } from './web-build.ts';

export type Library = Awaited<ReturnType<typeof makeLibrary>>;

/** Call inside a `describe`: its beforeAll/afterAll set up and close the suite. */
export function staffSuite(tenant: string, prepare?: (database: Database, lib: Library) => Promise<void>) {
  let database: Database | undefined;
  let lib: Library | undefined;
  let served: Awaited<ReturnType<typeof serveOnLoopback>> | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    await ensureWebBuild();
    database = await freshDatabase();
    lib = await makeLibrary(database, tenant);
    await prepare?.(database, lib);
    const app = testApp(database, { webRoot, publicConfig: () => ({ defaultTenant: tenant, demo: false }) });
    served = await serveOnLoopback(app);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await served?.close();
    await database?.close();
  });
  return {
    get database() {
      return database!;
    },
    get lib() {
      return lib!;
    },
    get base() {
      return served!.base;
    },
    get browser() {
      return browser!;
    },
    /** A new desktop-sized page, logged in to the staff client as `loginId` (the test library's staff). */
    async loggedIn(loginId: string, beforeLogIn?: (page: Page) => void): Promise<Page> {
      const context = await browser!.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP' });
      const page = await context.newPage();
      beforeLogIn?.(page);
      await staffLogIn(page, served!.base, tenant, loginId, PASSWORD);
      return page;
    },
  };
}
