// Debian's Chromium for the browser tests, started the way this machine needs it: no sandbox (root in
// CI), and none of the background connections that a closed network refuses many times a second.
import { existsSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);

export function launchChromium() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Serve an in-process app on a free loopback port; `close` also drops kept-alive and streaming connections. */
export async function serveOnLoopback(app: { fetch: (req: Request) => Response | Promise<Response> }) {
  let server: ReturnType<typeof serve> | undefined;
  const info = await new Promise<AddressInfo>((ok) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, ok);
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
