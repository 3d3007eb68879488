import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentRequest, PrintJobDocument } from '@bunko/protocols';
import type { MqttTlsFiles } from '@bunko/protocols/mqtt-link';
import { and, eq } from 'drizzle-orm';
import { expect, vi } from 'vitest';
import { AgentBridge } from '../../../cloud/src/broker/agent-bridge.ts';
import {
  CORE_MQTT_USER,
  type EmbeddedBroker,
  startEmbeddedBroker,
} from '../../../cloud/src/broker/embedded-broker.ts';
import type { Database } from '../../../cloud/src/db/client.ts';
import { agents, devices } from '../../../cloud/src/db/schema/index.ts';
import type { Ctx } from '../../../cloud/src/domain/context.ts';
import { registerAgent } from '../../../cloud/src/domain/devices/agents.ts';
import { OfflineLink } from '../../../cloud/src/domain/offline/agent-link.ts';
import { ScanHub } from '../../../cloud/src/domain/scans/scan-hub.ts';
import { StocktakeIntake } from '../../../cloud/src/domain/stocktake/intake.ts';
import { makeLibrary } from '../../../cloud/test/support/library-fixture.ts';
import { adminCtx, makeTenant, silentLogger, testApp } from '../../../cloud/test/support/test-app.ts';
import { freshDatabase } from '../../../cloud/test/support/test-db.ts';
import { createAgent } from '../../src/agent.ts';
import { type AgentConfig, parseAgentConfig } from '../../src/config.ts';

export const CORE_PASSWORD = 'core-password-for-agent-tests-0123456789';

/**
 * The brokers agent tests run over: the embedded aedes broker (with its logins and ACLs) always, and
 * MQTT_URL (the real Mosquitto) when set. Topics carry the tenant's and the agent's ids, random in each
 * run's own database, and client ids are random too: runs in parallel on one Mosquitto never share a topic.
 * Pass `external` to `startCore` as `externalBrokerUrl`.
 */
export const testBrokers = [
  { name: 'embedded aedes', external: undefined as string | undefined },
  ...(process.env.MQTT_URL
    ? [{ name: `Mosquitto at ${process.env.MQTT_URL}`, external: process.env.MQTT_URL }]
    : []),
];

/**
 * The real core side for agent tests: a fresh database, the embedded aedes broker with its ACLs,
 * a tenant, and the core's AgentBridge — the same pieces `npm start` runs.
 */
export async function startCore(
  tenantCode: string,
  opts: {
    library?: boolean;
    externalBrokerUrl?: string;
    externalTls?: MqttTlsFiles;
    /** the embedded broker's mqtts:// listener */
    brokerTls?: { port: number; cert: Buffer; key: Buffer; clientCa?: Buffer };
  } = {},
) {
  const database: Database = await freshDatabase();
  // with `library`: the circulation fixture (locations, patrons, items) for checkout → receipt tests
  const library = opts.library ? await makeLibrary(database, tenantCode) : undefined;
  const { tenant, staffIds } = library ?? (await makeTenant(database, tenantCode));
  const tenantId = tenant.id;
  const ctx: Ctx = adminCtx(database, tenantId, staffIds.admin!);
  const broker: EmbeddedBroker = await startEmbeddedBroker({
    db: database.db,
    host: '127.0.0.1',
    port: 0,
    wsPort: 0,
    corePassword: CORE_PASSWORD,
    logger: silentLogger,
    ...(opts.brokerTls ? { tls: opts.brokerTls } : {}),
  });
  // an external broker (MQTT_URL: the real Mosquitto) takes anyone on loopback; aedes checks logins
  const external = opts.externalBrokerUrl;
  const url = external ?? `mqtt://127.0.0.1:${broker.port}`;
  const scans = new ScanHub({ db: database.db, logger: silentLogger });
  const stocktake = new StocktakeIntake({ db: database.db, logger: silentLogger, agents: () => bridge });
  const bridge: AgentBridge = new AgentBridge({
    url,
    ...(external ? {} : { username: CORE_MQTT_USER, password: CORE_PASSWORD }),
    ...(opts.externalTls ? { tls: opts.externalTls } : {}),
    db: database.db,
    logger: silentLogger,
    events: scans,
    offline: new OfflineLink({ db: database.db, logger: silentLogger }),
    stocktake,
  });
  await bridge.start();
  /** the core's HTTP app wired to this bridge and hub, for `app.request()` */
  const app = testApp(database, { agents: bridge, scans });
  const scratch: string[] = [];

  return {
    database,
    library,
    broker,
    bridge,
    scans,
    stocktake,
    /** a domain context acting as the tenant's admin */
    ctx,
    app,
    tenantId,
    adminId: staffIds.admin!,
    url,
    /** a new agent registered through the core's own verb: its id and one-time secret */
    async register(code: string) {
      const a = await registerAgent(ctx, { code, nameJa: code });
      return { agentId: a.id, username: a.mqttUsername, password: a.mqttPassword };
    },
    tempDir(prefix = 'bunko-agent-') {
      const d = mkdtempSync(join(tmpdir(), prefix));
      scratch.push(d);
      return d;
    },
    async agentRow(agentId: string) {
      const [row] = await database.db
        .select()
        .from(agents)
        .where(and(eq(agents.tenantId, tenantId), eq(agents.id, agentId)));
      return row;
    },
    deviceRows(agentId: string) {
      return database.db
        .select()
        .from(devices)
        .where(and(eq(devices.tenantId, tenantId), eq(devices.agentId, agentId)));
    },
    request(agentId: string, req: AgentRequest) {
      return bridge.request(tenantId, agentId, req, 10_000);
    },
    async close() {
      await bridge.stop();
      await broker.close();
      await database.close();
      for (const d of scratch) rmSync(d, { recursive: true, force: true });
    },
  };
}
export type Core = Awaited<ReturnType<typeof startCore>>;

/** A config as the agent would load it from a file. */
export function agentConfig(
  core: Core,
  creds: { agentId: string; username: string; password: string },
  dataDir: string,
  devicesConfig: unknown[],
  /** where the agent connects (e.g. a `brokerProxy`); the core's broker by default */
  brokerUrl = core.url,
): AgentConfig {
  return parseAgentConfig(
    {
      tenantId: core.tenantId,
      agentId: creds.agentId,
      mqtt: { url: brokerUrl, username: creds.username, password: creds.password, reconnectMs: 200 },
      dataDir,
      devices: devicesConfig,
    },
    { file: 'test', baseDir: dataDir },
  );
}

export const ping = (): AgentRequest => ({
  transaction: randomUUID(),
  action: 'ping',
  sentAt: new Date().toISOString(),
});

/** A print request for plain lines, or for a document (e.g. `checkoutReceipt(...)`). */
export const printRequest = (
  deviceId: string,
  content: string[] | PrintJobDocument,
  extra: { jobId?: string; notAfter?: string } = {},
): AgentRequest => ({
  transaction: randomUUID(),
  action: 'print',
  jobId: extra.jobId ?? randomUUID(),
  deviceId,
  notAfter: extra.notAfter ?? new Date(Date.now() + 60_000).toISOString(),
  document: Array.isArray(content) ? { kind: 'text', lines: content } : content,
});

/**
 * A TCP 9100 capture printer: records the bytes of each connection and closes when the sender ends.
 * While `hold()` is on, the printer keeps the connection open after the bytes arrived (the job is in
 * flight at the agent) until `release()`.
 */
export async function capturePrinter() {
  const jobs: Buffer[] = [];
  let held: Socket[] | undefined;
  // half-open: the sender's end does not close our side; we close it (at once, or on release)
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('end', () => {
      jobs.push(Buffer.concat(chunks));
      if (held) held.push(socket);
      else socket.end();
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    port,
    jobs,
    hold() {
      held = [];
    },
    release() {
      for (const s of held ?? []) s.end();
      held = undefined;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A TCP proxy in front of the broker: the agent connects here, and `cut()` drops every connection
 * at once (both ends, no DISCONNECT), as a lost network link does, with any broker. New connections
 * are taken again right away, so the agent reconnects through it.
 */
export async function brokerProxy(brokerUrl: string) {
  const target = new URL(brokerUrl);
  const sockets = new Set<Socket>();
  let connections = 0;
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
  };
  const server: Server = createServer((client) => {
    connections += 1;
    const upstream = connect({ host: target.hostname, port: Number(target.port || 1883) });
    track(client);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    /** connections taken so far (the agent's first, then one per reconnect) */
    connections: () => connections,
    cut() {
      for (const s of sockets) s.destroy();
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port that was just free: nothing listens there, so a connection is refused. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof addr === 'object' && addr ? addr.port : 1;
}

/** Register an agent with these devices, start it and wait until the core has its info. */
export async function startTestAgent(
  core: Core,
  code: string,
  devicesConfig: unknown[],
  opts: { brokerUrl?: string } = {},
) {
  const creds = await core.register(code);
  const dataDir = core.tempDir();
  const agent = createAgent(agentConfig(core, creds, dataDir, devicesConfig, opts.brokerUrl), {
    logger: silentLogger,
  });
  await agent.start();
  await vi.waitFor(
    async () => {
      const row = await core.agentRow(creds.agentId);
      expect(row?.status).toBe('online');
      expect((await core.deviceRows(creds.agentId)).length).toBe(devicesConfig.length);
    },
    { timeout: 15_000, interval: 50 },
  );
  return { agent, agentId: creds.agentId, dataDir, creds };
}

/** The core's row for one device, as the devices page shows it. */
export async function deviceRow(core: Core, agentId: string, deviceKey: string) {
  return (await core.deviceRows(agentId)).find((d) => d.deviceKey === deviceKey);
}
