import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { csrf } from 'hono/csrf';
import { createMiddleware } from 'hono/factory';
import type { Logger } from 'pino';
import { API_VERSION, createApi, serviceFrame } from '../app.ts';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import type { AppDeps, AppEnv } from '../http/env.ts';
import { problem } from '../http/problem.ts';
import { type DeclaredRoute, onlyRoutes } from '../http/route.ts';
import { openSearchRoutes } from '../http/routes/sru.ts';
import { crossOriginProtection, noStore } from '../http/security.ts';
import { patronCookieName } from '../http/session.ts';
import { opacPageRoutes } from './opac-pages.ts';
import { FORWARDED_PUBLIC, isPatronOperation, patronProxy } from './patron-proxy.ts';
import { PLACEHOLDER_HTML } from './placeholder.ts';

/** Everything the public service needs: no core database handle, no broker, no sessions. */
export type PublicDeps = {
  config: Pick<Config, 'secure'> & Partial<Pick<Config, 'BUNKO_PUBLIC_URL'>>;
  /** the catalogue reader (db/public-role.ts): the database as the public role */
  reader: Database;
  logger: Logger;
  /** the core's base URL, for the patron operations */
  coreUrl: string;
  serviceToken: string;
  /** one process with the core: its app's fetch instead of HTTP */
  coreFetch?: (request: Request) => Response | Promise<Response>;
  /** web/dist: the public web app (opac.html) and its assets */
  webRoot?: string;
  /** library code served when a request names none */
  defaultTenant?: string | null;
  now?: () => Date;
};

/**
 * Core routes that are open to anyone but stay on the core: staff login; patron login goes through
 * the patron proxy instead; the in-library kiosks' settings and location-slip printing (kiosks stand
 * inside the library and use the core's /opac, which reaches the agents). (getPublicConfig is served, from this app's own settings: the default
 * library, never the demo's staff logins.)
 */
export const CORE_ONLY_PUBLIC = new Set([
  'staffLogin',
  ...FORWARDED_PUBLIC,
  'opacKiosk',
  'printLocationSlip',
]);

/** The routes the public service serves itself: declared 'public' by the core, not kept on the core. */
export const isPublicServiceRoute = (r: DeclaredRoute) =>
  r['x-permission'] === 'public' && !CORE_ONLY_PUBLIC.has(r.operationId ?? '');

/**
 * The public OPAC service: the core's public routes over the catalogue reader, SRU and OpenSearch,
 * the search and record pages as HTML (opac-pages.ts),
 * the public web app, and the patron operations forwarded to the core. It has no session store and
 * no handle on personal data; a route that tried to read any would be refused by the database.
 */
export function createPublicApp(deps: PublicDeps) {
  const now = deps.now ?? (() => new Date());
  const appDeps: AppDeps = {
    // the core's routes read only `secure` (cookie names) from the config
    config: deps.config as Config,
    database: deps.reader,
    logger: deps.logger,
    now,
    publicConfig: () => ({ defaultTenant: deps.defaultTenant ?? null, demo: false }),
  };
  const api = onlyRoutes(isPublicServiceRoute, () => createApi(appDeps));
  const patronOperations = onlyRoutes(isPatronOperation, () =>
    createApi(appDeps),
  ).openAPIRegistry.definitions.flatMap((d) => (d.type === 'route' ? [d.route as DeclaredRoute] : []));

  const app = serviceFrame({ config: deps.config, logger: deps.logger, database: deps.reader });

  app.use('/api/*', crossOriginProtection(), csrf());
  // My Library: forwarded, never answered here, never cached
  app.use('/api/my/*', noStore());
  app.route(
    '/',
    patronProxy({
      coreUrl: deps.coreUrl,
      serviceToken: deps.serviceToken,
      secure: deps.config.secure,
      operations: patronOperations,
      ...(deps.coreFetch ? { coreFetch: deps.coreFetch } : {}),
    }),
  );

  // the core's public routes: anonymous, acting on the catalogue reader
  app.use(
    '/api/*',
    createMiddleware<AppEnv>(async (c, next) => {
      c.set('session', null);
      c.set('patronSession', null);
      c.set('ctx', {
        db: deps.reader.db,
        tenantId: '',
        staff: null,
        workstation: null,
        requestId: c.get('requestId'),
        now,
      });
      await next();
    }),
  );
  app.route('/api', api);
  for (const op of patronOperations) {
    app.openAPIRegistry.registerPath({
      ...(op as Parameters<typeof app.openAPIRegistry.registerPath>[0]),
      path: `/api${op.path}`,
    });
  }
  app.openAPIRegistry.registerComponent('securitySchemes', 'patronSession', {
    type: 'apiKey',
    in: 'cookie',
    name: patronCookieName(deps.config),
  });
  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Bunko public API',
      version: API_VERSION,
      description: '文庫 — 蔵書検索と利用者サービス(個人情報を保持しない公開サービス)',
    },
  });
  app.all('/api/*', (c) => problem(c, 'notFound'));
  app.route('/', openSearchRoutes(appDeps));

  // the public web app; the staff UI's shell (index.html) is never served from here
  const root = deps.webRoot;
  const shell =
    root && existsSync(join(root, 'opac.html'))
      ? readFileSync(join(root, 'opac.html'), 'utf8')
      : PLACEHOLDER_HTML;
  // the stable search and record addresses as HTML for readers without JavaScript, in the app's shell
  app.route(
    '/',
    opacPageRoutes({
      db: deps.reader.db,
      ...(shell === PLACEHOLDER_HTML ? {} : { shell }),
      defaultTenant: () => deps.defaultTenant ?? null,
      publicUrl: deps.config.BUNKO_PUBLIC_URL,
      now,
    }),
  );
  app.get('/index.html', (c) => c.html(shell));
  if (root && existsSync(root)) app.use('/*', serveStatic({ root, index: 'opac.html' }));
  app.get('/*', (c) => c.html(shell));
  return app;
}
