import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { createApp } from './app.ts';
import { AgentBridge } from './broker/agent-bridge.ts';
import { CORE_MQTT_USER, type EmbeddedBroker, startEmbeddedBroker } from './broker/embedded-broker.ts';
import { type Config, loadConfig } from './config.ts';
import { openDatabase } from './db/client.ts';
import { tenants } from './db/schema/index.ts';
import { demoPrintsDir, ensureDemoAgentConfig } from './demo/demo-agent.ts';
import { DEMO_LOGINS, DEMO_PATRON_LOGIN, DEMO_TENANT, ensureDemo } from './demo/seed.ts';
import { reindexBibSearch } from './domain/catalog/reindex-search.ts';
import { startScheduler } from './domain/jobs/daily.ts';
import { MarcImportRunner } from './domain/marc/import-jobs.ts';
import { OfflineLink } from './domain/offline/agent-link.ts';
import { ScanHub } from './domain/scans/scan-hub.ts';
import { StocktakeIntake } from './domain/stocktake/intake.ts';
import { exitOnStartFailure, serveApp } from './listen.ts';
import { smtpMailer } from './mail/mailer.ts';
import { startOutboxWorker } from './mail/outbox-worker.ts';
import { servePublicBesideCore } from './public/beside-core.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** A per-installation secret: BUNKO_SECRET, or one generated once into the data directory. */
function installationSecret(config: Config): string {
  if (config.BUNKO_SECRET) return config.BUNKO_SECRET;
  const file = join(config.dataDir, 'secret.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

async function main() {
  const started = performance.now();
  const config = loadConfig(process.env);
  const logger = pino({ level: config.LOG_LEVEL, base: { service: 'bunko-core' } });
  mkdirSync(config.dataDir, { recursive: true });
  const secret = installationSecret(config);
  const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.dataDir });

  const demo =
    config.BUNKO_DEMO !== 'off' ? await ensureDemo(database.db, config.BUNKO_DEMO === 'on', logger) : null;
  // records written before the current search normalisation (or by an older version) are reindexed
  for (const t of await database.db.select({ id: tenants.id }).from(tenants)) {
    const n = await reindexBibSearch(database.db, t.id, { onlyStale: true });
    if (n) logger.info({ tenantId: t.id, records: n }, 'search index refreshed');
  }

  let broker: EmbeddedBroker | undefined;
  let mqttUrl = config.MQTT_URL;
  const corePassword = createHmac('sha256', secret).update('mqtt-core').digest('base64url');
  if (!mqttUrl) {
    broker = await startEmbeddedBroker({
      db: database.db,
      host: config.HOST,
      port: config.MQTT_PORT,
      wsPort: config.MQTT_WS_PORT,
      corePassword,
      logger,
      ...(config.MQTT_TLS_PORT !== undefined && config.BUNKO_TLS_CERT && config.BUNKO_TLS_KEY
        ? {
            tls: {
              port: config.MQTT_TLS_PORT,
              cert: readFileSync(config.BUNKO_TLS_CERT),
              key: readFileSync(config.BUNKO_TLS_KEY),
              ...(config.MQTT_CLIENT_CA_FILE ? { clientCa: readFileSync(config.MQTT_CLIENT_CA_FILE) } : {}),
            },
          }
        : {}),
    });
    mqttUrl = `mqtt://${config.HOST}:${broker.port}`;
  }
  // scanner pairings are rows of scan_pairings: a restart keeps each desk paired with its session
  const scans = new ScanHub({ db: database.db, logger });
  const stocktake = new StocktakeIntake({ db: database.db, logger, agents: () => agents });
  const agents: AgentBridge = new AgentBridge({
    url: mqttUrl,
    ...(broker
      ? { username: CORE_MQTT_USER, password: corePassword }
      : {
          ...(config.MQTT_USERNAME ? { username: config.MQTT_USERNAME } : {}),
          ...(config.MQTT_PASSWORD ? { password: config.MQTT_PASSWORD } : {}),
          ...(config.mqttTls ? { tls: config.mqttTls } : {}),
        }),
    db: database.db,
    logger,
    events: scans,
    offline: new OfflineLink({ db: database.db, logger }),
    stocktake,
  });
  await agents.start();

  const serviceToken =
    config.BUNKO_SERVICE_TOKEN ?? createHmac('sha256', secret).update('public-service').digest('base64url');
  const webRoot = process.env.BUNKO_WEB_ROOT ?? join(repoRoot, 'web/dist');
  // mail (password reset, notices) waits in the outbox until SMTP is configured
  const mail = config.BUNKO_SMTP_URL
    ? startOutboxWorker(
        database.db,
        smtpMailer({ url: config.BUNKO_SMTP_URL, from: config.BUNKO_MAIL_FROM }),
        logger,
      )
    : undefined;
  // MARC import jobs (取込) queued by any core process, and those of a process that died, resumed
  const marcImports = new MarcImportRunner(database.db, logger, { pollMs: 10_000 }).start();
  const app = createApp({
    config,
    marcImports,
    serviceToken,
    database,
    logger,
    agents,
    scans,
    webRoot,
    ...(mail ? { mail } : {}),
    isReady: () => agents.connected,
    ...(demo && config.BUNKO_DEMO_AGENT === 'on'
      ? { demoPrints: { tenantId: demo.tenantId, dir: demoPrintsDir(config.dataDir) } }
      : {}),
    publicConfig: () => ({
      defaultTenant: demo ? DEMO_TENANT.code : null,
      demo: Boolean(demo),
      ...(demo ? { demoLogins: DEMO_LOGINS } : {}),
    }),
  });
  const { server, url } = await serveApp(app.fetch, { config, port: config.PORT, variable: 'PORT' });

  // the public OPAC service beside the core: its own port, the catalogue reader, no personal data
  const publicServer = await servePublicBesideCore({
    config,
    database,
    core: app,
    serviceToken,
    webRoot,
    defaultTenant: config.BUNKO_PUBLIC_TENANT ?? (demo ? DEMO_TENANT.code : null),
  });
  const reader = publicServer.reader;

  let agentProcess: ChildProcess | undefined;
  if (demo && config.BUNKO_DEMO_AGENT === 'on') {
    const agentConfig = await ensureDemoAgentConfig(database.db, demo.tenantId, config.dataDir, mqttUrl);
    agentProcess = spawn(
      process.execPath,
      ['--import', 'tsx', join(repoRoot, 'edge-agent/src/main.ts'), '--config', agentConfig],
      {
        stdio: ['ignore', 'inherit', 'inherit'],
        env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
      },
    );
    agentProcess.on('exit', (code) => logger.warn({ code }, 'demo agent exited'));
  }

  // daily circulation work (hold expiry, overdue notices), once per tenant and day
  const stopScheduler = startScheduler(database.db, logger);

  const readyMs = Math.round(performance.now() - started);
  const lines = [
    '',
    `  文庫 Bunko is ready in ${readyMs} ms — ${url}`,
    `  蔵書検索 (public OPAC, no personal data) — ${publicServer.url}`,
    `  database: ${database.kind}${database.kind === 'pglite' ? ` (${join(config.dataDir, 'pg')})` : ''}, MQTT: ${mqttUrl}${broker?.tlsPort ? ` (agents also mqtts://${config.HOST}:${broker.tlsPort})` : ''}`,
  ];
  if (demo) {
    lines.push(
      `  デモ図書館 / demo library: ${DEMO_TENANT.nameJa} (図書館コード / library code: ${DEMO_TENANT.code})`,
    );
    for (const l of DEMO_LOGINS)
      lines.push(`    ${l.roleJa.padEnd(10, '　')} ID: ${l.loginId.padEnd(10)} password: ${l.password}`);
    lines.push(
      `  マイページ / My Library (${publicServer.url}opac/login): card ${DEMO_PATRON_LOGIN.card} password: ${DEMO_PATRON_LOGIN.password}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    agentProcess?.kill('SIGTERM');
    server.close();
    publicServer.server.close();
    await reader.close().catch(() => {});
    await stopScheduler().catch(() => {});
    await marcImports.stop().catch(() => {});
    await mail?.stop().catch(() => {});
    await agents.stop().catch(() => {});
    await broker?.close().catch(() => {});
    await database.close().catch(() => {});
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch(exitOnStartFailure);
