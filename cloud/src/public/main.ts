import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Config, ConfigError, loadConfig } from '../config.ts';
import { openCatalogueReader, publicRoleOf } from '../db/public-role.ts';
import { exitOnStartFailure, serveApp } from '../listen.ts';
import { createPublicApp } from './app.ts';
import { publicLogger } from './log.ts';

/**
 * The public OPAC service on its own (`npm run start:public`), e.g. on a host in the DMZ: it logs
 * in to PostgreSQL as the public role (BUNKO_PUBLIC_DATABASE_URL), reaches the core only for the
 * patron operations (BUNKO_CORE_URL, with BUNKO_SERVICE_TOKEN), and keeps nothing. The core, started
 * with the same BUNKO_PUBLIC_DATABASE_URL and BUNKO_SERVICE_TOKEN, keeps the role and its grants.
 */

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function standaloneSettings(config: Config) {
  const missing = [
    !config.BUNKO_PUBLIC_DATABASE_URL &&
      '  BUNKO_PUBLIC_DATABASE_URL: the PostgreSQL login of the public role (the embedded database cannot be shared: use npm start, which runs the public service beside the core)',
    !config.BUNKO_CORE_URL && '  BUNKO_CORE_URL: where the core listens, e.g. http://10.0.0.5:8080',
    !config.BUNKO_SERVICE_TOKEN &&
      '  BUNKO_SERVICE_TOKEN: the credential shared with the core (at least 32 characters)',
  ].filter(Boolean);
  if (missing.length) {
    throw new ConfigError(`設定エラー / invalid configuration (public service):\n${missing.join('\n')}`);
  }
  return {
    publicUrl: config.BUNKO_PUBLIC_DATABASE_URL!,
    coreUrl: config.BUNKO_CORE_URL!,
    serviceToken: config.BUNKO_SERVICE_TOKEN!,
  };
}

async function main() {
  const config = loadConfig(process.env);
  const settings = standaloneSettings(config);
  const logger = publicLogger(config.LOG_LEVEL);
  const reader = openCatalogueReader({
    role: publicRoleOf(settings.publicUrl).role,
    publicUrl: settings.publicUrl,
  });
  try {
    await reader.ping();
  } catch (err) {
    throw new Error(`cannot reach PostgreSQL as the public role: ${(err as Error).message}`);
  }
  const app = createPublicApp({
    config,
    reader,
    logger,
    coreUrl: settings.coreUrl,
    serviceToken: settings.serviceToken,
    webRoot: process.env.BUNKO_WEB_ROOT ?? join(repoRoot, 'web/dist'),
    defaultTenant: config.BUNKO_PUBLIC_TENANT ?? null,
  });
  const { server, url } = await serveApp(app.fetch, {
    config,
    port: config.BUNKO_PUBLIC_PORT,
    variable: 'BUNKO_PUBLIC_PORT',
  });
  process.stdout.write(
    `\n  蔵書検索 (public OPAC, no personal data) is ready — ${url}\n  core: ${settings.coreUrl}\n\n`,
  );

  const stop = async () => {
    server.close();
    await reader.close().catch(() => {});
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch(exitOnStartFailure);
