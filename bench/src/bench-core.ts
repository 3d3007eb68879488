/**
 * The core as the latency benchmarks run it, over real sockets: the HTTP app on a loopback port,
 * the core's MQTT bridge on the embedded aedes broker (TCP, with its logins and ACLs) or on an
 * external broker (MQTT_URL, e.g. Mosquitto on 127.0.0.1:1883), an agent registered through the
 * core's own verb, and the counter's login.
 */
import { randomUUID } from 'node:crypto';
import type { Server as HttpServer } from 'node:http';
import type { Server } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { and, eq } from 'drizzle-orm';
import pino from 'pino';
import { createApp } from '../../cloud/src/app.ts';
import { AgentBridge } from '../../cloud/src/broker/agent-bridge.ts';
import {
  CORE_MQTT_USER,
  type EmbeddedBroker,
  startEmbeddedBroker,
} from '../../cloud/src/broker/embedded-broker.ts';
import { loadConfig } from '../../cloud/src/config.ts';
import type { Database } from '../../cloud/src/db/client.ts';
import { devices } from '../../cloud/src/db/schema/index.ts';
import { systemCtx } from '../../cloud/src/domain/context.ts';
import { registerAgent } from '../../cloud/src/domain/devices/agents.ts';
import { ScanHub } from '../../cloud/src/domain/scans/scan-hub.ts';

export const silent = pino({ level: 'silent' });

export const listenLoopback = (server: Server | HttpServer) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : 0);
    }),
  );

export type BenchCore = Awaited<ReturnType<typeof startBenchCore>>;

export async function startBenchCore(
  database: Database,
  opts: { tenantId: string; dataDir: string; mqttUrl?: string; scans?: boolean },
) {
  const corePassword = randomUUID() + randomUUID();
  const broker: EmbeddedBroker | undefined = opts.mqttUrl
    ? undefined
    : await startEmbeddedBroker({
        db: database.db,
        host: '127.0.0.1',
        port: 0,
        wsPort: 0,
        corePassword,
        logger: silent,
      });
  const url = opts.mqttUrl ?? `mqtt://127.0.0.1:${broker!.port}`;
  /** what a core-side MQTT client logs in with (an external broker on loopback takes anyone) */
  const coreLogin = broker ? { username: CORE_MQTT_USER, password: corePassword } : {};
  const scans = opts.scans ? new ScanHub({ db: database.db, logger: silent }) : undefined;
  const bridge = new AgentBridge({ url, ...coreLogin, db: database.db, logger: silent, events: scans });
  await bridge.start();
  const app = createApp({
    config: loadConfig({ BUNKO_DATA_DIR: opts.dataDir }),
    database,
    logger: silent,
    agents: bridge,
    scans,
  });
  const http = createAdaptorServer({ fetch: app.fetch }) as HttpServer;
  const base = `http://127.0.0.1:${await listenLoopback(http)}`;

  return {
    url,
    coreLogin,
    bridge,
    base,
    /** a new agent (its id and MQTT login) */
    async register(nameJa: string) {
      const reg = await registerAgent(systemCtx(database.db, opts.tenantId, 'bench'), {
        code: `bench-desk-${randomUUID().slice(0, 8)}`,
        nameJa,
      });
      return {
        agentId: reg.id,
        mqtt: { url, username: reg.mqttUsername, password: reg.mqttPassword },
      };
    },
    /** wait until the agent has reported this device (with this status, when given) */
    async deviceReported(agentId: string, deviceKey: string, status?: string) {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const [row] = await database.db
          .select({ status: devices.status })
          .from(devices)
          .where(and(eq(devices.agentId, agentId), eq(devices.deviceKey, deviceKey)));
        if (row && (status === undefined || row.status === status)) return;
        if (Date.now() > deadline) throw new Error(`the bench agent did not report ${deviceKey}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    /** log in as the generated tenant's counter staff; the session cookie */
    async counterLogin(tenantCode: string, workstation = 'desk-1') {
      const login = await fetch(`${base}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: base },
        body: JSON.stringify({
          tenant: tenantCode,
          loginId: 'counter',
          password: 'bench-counter',
          workstation,
        }),
      });
      if (login.status !== 200) throw new Error(`login failed: ${login.status}`);
      return login.headers.get('set-cookie')!.split(';')[0]!;
    },
    async close() {
      await bridge.stop().catch(() => {});
      await new Promise<void>((r) => {
        http.closeAllConnections();
        http.close(() => r());
      });
      await broker?.close();
    },
  };
}
