import { timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { OpenAPIHono } from '@hono/zod-openapi';
import { csrf } from 'hono/csrf';
import { requestId } from 'hono/request-id';
import type { Config } from './config.ts';
import { collectMetrics } from './domain/monitoring/metrics.ts';
import type { AppDeps, AppEnv } from './http/env.ts';
import { onError, problem } from './http/problem.ts';
import { requestLog } from './http/request-log.ts';
import { adminRoutes } from './http/routes/admin.ts';
import { authRoutes } from './http/routes/auth.ts';
import { calendarRoutes } from './http/routes/calendars.ts';
import { catalogRoutes } from './http/routes/catalog.ts';
import { catalogSettingsRoutes } from './http/routes/catalog-settings.ts';
import { circulationRoutes } from './http/routes/circulation.ts';
import { deviceRoutes } from './http/routes/devices.ts';
import { groupLoanRoutes } from './http/routes/group-loans.ts';
import { holdRoutes } from './http/routes/holds.ts';
import { marcRoutes } from './http/routes/marc.ts';
import { metaRoutes } from './http/routes/meta.ts';
import { myLibraryRoutes } from './http/routes/my-library.ts';
import { myLibraryExtraRoutes } from './http/routes/my-library-extras.ts';
import { noticeRoutes } from './http/routes/notices.ts';
import { offlineRoutes } from './http/routes/offline.ts';
import { opacRoutes } from './http/routes/opac.ts';
import { patronManagementRoutes, patronRoutes } from './http/routes/patrons.ts';
import { printingRoutes } from './http/routes/printing.ts';
import { ruleRoutes } from './http/routes/rules.ts';
import { scanRoutes } from './http/routes/scans.ts';
import { openSearchRoutes } from './http/routes/sru.ts';
import { stocktakeRoutes } from './http/routes/stocktake.ts';
import { crossOriginProtection, securityHeaders } from './http/security.ts';
import { servicePeer } from './http/service-peer.ts';
import { patronCookieName, sessionCookieName, sessionMiddleware } from './http/session.ts';

export const API_VERSION = '0.1.0';

/** The whole HTTP API, mounted under /api. Its type is what the web client is generated from. */
export function createApi(deps: AppDeps) {
  return new OpenAPIHono<AppEnv>()
    .route('/', authRoutes(deps))
    .route('/', metaRoutes(deps))
    .route('/', catalogRoutes())
    .route('/', marcRoutes(deps))
    .route('/', catalogSettingsRoutes())
    .route('/', patronRoutes())
    .route('/', myLibraryRoutes(deps))
    .route('/', adminRoutes())
    .route('/', deviceRoutes(deps))
    .route('/', ruleRoutes())
    .route('/', circulationRoutes())
    .route('/', noticeRoutes())
    .route('/', groupLoanRoutes())
    .route('/', holdRoutes())
    .route('/', calendarRoutes())
    .route('/', scanRoutes(deps))
    .route('/', offlineRoutes())
    .route('/', opacRoutes(deps))
    .route('/', printingRoutes(deps))
    .route('/', stocktakeRoutes())
    .route('/', patronManagementRoutes())
    .route('/', myLibraryExtraRoutes(deps));
}

export type AppType = ReturnType<typeof createApi>;

/**
 * What the core and the public service both start from: request ids, logging, security headers,
 * problem responses for errors, /healthz and /readyz (the database answers, and `isReady` if given).
 */
export function serviceFrame(
  deps: Pick<AppDeps, 'logger' | 'database' | 'isReady'> & { config: Pick<Config, 'secure'> },
) {
  const app = new OpenAPIHono<AppEnv>();
  app.use(requestId());
  app.use(requestLog(deps.logger));
  app.use(securityHeaders(deps.config));
  app.onError(onError);

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    try {
      await deps.database.ping();
    } catch {
      return problem(c, 'notReady', { detail: 'database' });
    }
    if (deps.isReady && !deps.isReady()) return problem(c, 'notReady');
    return c.json({ status: 'ready', database: deps.database.kind });
  });
  return app;
}

/** Compose the core: request ids, logging, security headers, sessions, the API, the web UI. */
export function createApp(deps: AppDeps) {
  const now = deps.now ?? (() => new Date());
  const app = serviceFrame(deps);

  // Prometheus scrape for IT: a bearer token from BUNKO_METRICS_TOKEN; without one it does not exist.
  app.get('/metrics', async (c) => {
    const token = deps.config.BUNKO_METRICS_TOKEN;
    if (!token) return problem(c, 'notFound');
    const given = Buffer.from(c.req.header('authorization')?.replace(/^Bearer\s+/i, '') ?? '');
    const expected = Buffer.from(token);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      c.header('www-authenticate', 'Bearer realm="bunko-metrics"');
      return problem(c, 'unauthenticated');
    }
    return c.text(await collectMetrics(deps.database.db, now()), 200, {
      'content-type': 'text/plain; version=0.0.4; charset=utf-8',
      'cache-control': 'no-store',
    });
  });

  app.use('/api/*', servicePeer(deps.serviceToken), crossOriginProtection());
  app.use('/api/*', csrf(), sessionMiddleware(deps.config, deps.database, now));
  app.use('/api/*', async (c, next) => {
    await next();
    c.header('cache-control', 'no-store');
  });
  const api = createApi(deps);
  app.route('/api', api);
  app.openAPIRegistry.registerComponent('securitySchemes', 'session', {
    type: 'apiKey',
    in: 'cookie',
    name: sessionCookieName(deps.config),
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'patronSession', {
    type: 'apiKey',
    in: 'cookie',
    name: patronCookieName(deps.config),
  });
  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'Bunko API', version: API_VERSION, description: '文庫 — library system core API' },
  });
  app.all('/api/*', (c) => problem(c, 'notFound'));
  app.route('/', openSearchRoutes(deps));

  if (deps.webRoot && existsSync(join(deps.webRoot, 'index.html'))) {
    const root = deps.webRoot;
    const indexHtml = readFileSync(join(root, 'index.html'), 'utf8');
    app.use('/*', serveStatic({ root }));
    // The public WebOPAC and kiosk (web/opac.html): its own shell for every /opac address.
    if (existsSync(join(root, 'opac.html'))) {
      const opacHtml = readFileSync(join(root, 'opac.html'), 'utf8');
      app.get('/opac', (c) => c.html(opacHtml, 200, { 'cache-control': 'no-store' }));
      app.get('/opac/*', (c) => c.html(opacHtml, 200, { 'cache-control': 'no-store' }));
    }
    // Client-side routes fall back to the app shell.
    app.get('/*', (c) => c.html(indexHtml));
  }
  return app;
}
