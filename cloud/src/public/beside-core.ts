import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import { ensurePublicRole, openCatalogueReader, publicRoleOf } from '../db/public-role.ts';
import { serveApp } from '../listen.ts';
import { createPublicApp } from './app.ts';
import { publicLogger } from './log.ts';

/**
 * The public OPAC service beside the core in one process, as `npm start` runs it (the benchmark
 * starts it the same way): the public role and its grants, the catalogue reader, the public app on
 * its own port (BUNKO_PUBLIC_PORT), the patron operations handed to the core's app directly (no
 * socket, no certificate names). No personal data is reachable from it.
 */
export async function servePublicBesideCore(opts: {
  config: Config;
  /** the core's database */
  database: Database;
  /** the core's app: patron operations go to its fetch */
  core: { fetch: (request: Request) => Response | Promise<Response> };
  serviceToken: string;
  webRoot?: string;
  defaultTenant: string | null;
}) {
  const { config, database } = opts;
  const publicRole = publicRoleOf(config.BUNKO_PUBLIC_DATABASE_URL);
  await ensurePublicRole(database.db, publicRole).catch((err: Error) => {
    throw new Error(
      `could not set up the public database role ${publicRole.role} (the core's database user needs CREATEROLE, or create the role beforehand; see README): ${err.message}`,
    );
  });
  const reader = openCatalogueReader({
    role: publicRole.role,
    publicUrl: config.BUNKO_PUBLIC_DATABASE_URL,
    core: { database, url: config.DATABASE_URL },
  });
  const app = createPublicApp({
    config,
    reader,
    logger: publicLogger(config.LOG_LEVEL),
    coreUrl: 'http://core.internal',
    coreFetch: (request) => opts.core.fetch(request),
    serviceToken: opts.serviceToken,
    ...(opts.webRoot ? { webRoot: opts.webRoot } : {}),
    defaultTenant: opts.defaultTenant,
  });
  const served = await serveApp(app.fetch, {
    config,
    port: config.BUNKO_PUBLIC_PORT,
    variable: 'BUNKO_PUBLIC_PORT',
  });
  return { ...served, reader };
}
