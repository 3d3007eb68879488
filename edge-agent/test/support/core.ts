import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentRequest, PrintJobDocument } from '@bunko/protocols';
import { and, eq } from 'drizzle-orm';
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
import { ScanHub } from '../../../cloud/src/domain/scans/scan-hub.ts';
import { adminCtx, makeTenant, silentLogger, testApp } from '../../../cloud/test/support/test-app.ts';
import { freshDatabase } from '../../../cloud/test/support/test-db.ts';
import { type AgentConfig, parseAgentConfig } from '../../src/config.ts';

export const CORE_PASSWORD = 'core-password-for-agent-tests-0123456789';

/**
 * The real core side for agent tests: a fresh database, the embedded aedes broker with its ACLs,
 * a tenant, and the core's AgentBridge — the same pieces `npm start` runs.
 */
export async function startCore(tenantCode: string) {
  const database: Database = await freshDatabase();
  const { tenant, staffIds } = await makeTenant(database, tenantCode);
  const tenantId = tenant.id;
  const ctx: Ctx = adminCtx(database, tenantId, staffIds.admin!);
  const broker: EmbeddedBroker = await startEmbeddedBroker({
    db: database.db,
    host: '127.0.0.1',
    port: 0,
    wsPort: 0,
    corePassword: CORE_PASSWORD,
    logger: silentLogger,
  });
  const url = `mqtt://127.0.0.1:${broker.port}`;
  const scans = new ScanHub({ db: database.db, logger: silentLogger });
  const bridge = new AgentBridge({
    url,
    username: CORE_MQTT_USER,
    password: CORE_PASSWORD,
    db: database.db,
    logger: silentLogger,
    events: scans,
  });
  await bridge.start();
  /** the core's HTTP app wired to this bridge and hub, for `app.request()` */
  const app = testApp(database, { agents: bridge, scans });
  const scratch: string[] = [];

  return {
    database,
    broker,
    bridge,
    scans,
    app,
    tenantId,
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
): AgentConfig {
  return parseAgentConfig(
    {
      tenantId: core.tenantId,
      agentId: creds.agentId,
      mqtt: { url: core.url, username: creds.username, password: creds.password, reconnectMs: 200 },
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

/** A TCP 9100 capture printer: records the bytes of each connection and closes when the sender ends. */
export async function capturePrinter() {
  const jobs: Buffer[] = [];
  const server: Server = createServer((socket) => {
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('end', () => {
      jobs.push(Buffer.concat(chunks));
      socket.end();
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    port,
    jobs,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
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
