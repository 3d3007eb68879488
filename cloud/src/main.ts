import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { Server } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAdaptorServer } from '@hono/node-server';
import pino from 'pino';
import { createApp } from './app.ts';
import { AgentBridge } from './broker/agent-bridge.ts';
import { CORE_MQTT_USER, type EmbeddedBroker, startEmbeddedBroker } from './broker/embedded-broker.ts';
import { type Config, ConfigError, loadConfig } from './config.ts';
import { openDatabase } from './db/client.ts';
import { tenants } from './db/schema/index.ts';
import { ensureDemoAgentConfig } from './demo/demo-agent.ts';
import { DEMO_LOGINS, DEMO_TENANT, ensureDemo } from './demo/seed.ts';
import { reindexBibSearch } from './domain/catalog/reindex-search.ts';
import { startScheduler } from './domain/jobs/daily.ts';
import { ScanHub } from './domain/scans/scan-hub.ts';
import { listenOrExplain, PortInUseError } from './listen.ts';

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
    });
    mqttUrl = `mqtt://${config.HOST}:${broker.port}`;
  }
  // scanner pairings live in memory with the staff sessions: after a restart staff pair again
  const scans = new ScanHub({ db: database.db, logger });
  const agents = new AgentBridge({
    url: mqttUrl,
    ...(broker ? { username: CORE_MQTT_USER, password: corePassword } : {}),
    db: database.db,
    logger,
    events: scans,
  });
  await agents.start();

  const app = createApp({
    config,
    database,
    logger,
    agents,
    scans,
    webRoot: process.env.BUNKO_WEB_ROOT ?? join(repoRoot, 'web/dist'),
    isReady: () => agents.connected,
    publicConfig: () => ({
      defaultTenant: demo ? DEMO_TENANT.code : null,
      demo: Boolean(demo),
      ...(demo ? { demoLogins: DEMO_LOGINS } : {}),
    }),
  });
  const server = (
    config.secure
      ? createAdaptorServer({
          fetch: app.fetch,
          createServer: createHttpsServer,
          serverOptions: {
            key: readFileSync(config.BUNKO_TLS_KEY!),
            cert: readFileSync(config.BUNKO_TLS_CERT!),
          },
        })
      : createAdaptorServer({ fetch: app.fetch })
  ) as Server;
  await listenOrExplain(server, config.PORT, config.HOST, 'PORT');
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.PORT;
  const url = `${config.secure ? 'https' : 'http'}://${config.HOST}:${port}/`;

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
    `  database: ${database.kind}${database.kind === 'pglite' ? ` (${join(config.dataDir, 'pg')})` : ''}, MQTT: ${mqttUrl}`,
  ];
  if (demo) {
    lines.push(
      `  デモ図書館 / demo library: ${DEMO_TENANT.nameJa} (図書館コード / library code: ${DEMO_TENANT.code})`,
    );
    for (const l of DEMO_LOGINS)
      lines.push(`    ${l.roleJa.padEnd(10, '　')} ID: ${l.loginId.padEnd(10)} password: ${l.password}`);
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    agentProcess?.kill('SIGTERM');
    server.close();
    await stopScheduler().catch(() => {});
    await agents.stop().catch(() => {});
    await broker?.close().catch(() => {});
    await database.close().catch(() => {});
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err) => {
  if (err instanceof ConfigError || err instanceof PortInUseError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(
    `起動に失敗しました / failed to start: ${err instanceof Error ? err.stack : String(err)}\n`,
  );
  process.exit(1);
});
