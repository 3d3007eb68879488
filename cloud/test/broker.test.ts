import { AgentRequest, topics } from '@bunko/protocols';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentBridge } from '../src/broker/agent-bridge.ts';
import { CORE_MQTT_USER, type EmbeddedBroker, startEmbeddedBroker } from '../src/broker/embedded-broker.ts';
import type { Database } from '../src/db/client.ts';
import type { Ctx } from '../src/domain/context.ts';
import { registerAgent } from '../src/domain/devices/agents.ts';
import { adminCtx, call, login, makeTenant, silentLogger, testApp } from './support/test-app.ts';
import { freshDatabase } from './support/test-db.ts';

const CORE_PASSWORD = 'core-password-for-tests-0123456789';

let database: Database;
let broker: EmbeddedBroker;
let tenantId: string;
const creds: { id: string; password: string }[] = [];
const clients: MqttClient[] = [];

const connect = (opts: mqtt.IClientOptions, url = `mqtt://127.0.0.1:${broker.port}`) => {
  const c = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
  clients.push(c);
  return c;
};
const connected = (c: MqttClient) =>
  new Promise<void>((resolve, reject) => {
    c.once('connect', () => resolve());
    c.once('error', reject);
  });

beforeAll(async () => {
  database = await freshDatabase();
  const { tenant, staffIds } = await makeTenant(database, 'mqtt');
  tenantId = tenant.id;
  const ctx: Ctx = adminCtx(database, tenantId, staffIds.admin!);
  for (const code of ['pc-1', 'pc-2']) {
    const a = await registerAgent(ctx, { code, nameJa: code });
    creds.push({ id: a.mqttUsername, password: a.mqttPassword });
  }
  broker = await startEmbeddedBroker({
    db: database.db,
    host: '127.0.0.1',
    port: 0,
    wsPort: 0,
    corePassword: CORE_PASSWORD,
    logger: silentLogger,
  });
});

afterAll(async () => {
  for (const c of clients) c.end(true);
  await broker?.close();
  await database?.close();
});

describe('embedded MQTT broker: per-agent credentials and topic ACLs', () => {
  it('accepts an agent with its own id and secret', async () => {
    const [a] = creds;
    await connected(connect({ clientId: a!.id, username: a!.id, password: a!.password }));
  });

  it('refuses a wrong secret, and a client id that is not the agent’s own', async () => {
    const [a, b] = creds;
    await expect(connected(connect({ clientId: a!.id, username: a!.id, password: 'wrong' }))).rejects.toThrow(
      /Not authorized|Bad username/i,
    );
    await expect(
      connected(connect({ clientId: b!.id, username: a!.id, password: a!.password })),
    ).rejects.toThrow();
  });

  it('lets an agent subscribe to its own request topic but not to another agent’s', async () => {
    const [a, b] = creds;
    const c = connect({ clientId: a!.id, username: a!.id, password: a!.password });
    await connected(c);
    const own = await c.subscribeAsync(topics.request(tenantId, a!.id), { qos: 1 });
    expect(own[0]!.qos).toBe(1);
    // The broker answers SUBACK 0x80 (failure), which mqtt.js reports as a subscribe error.
    await expect(c.subscribeAsync(topics.request(tenantId, b!.id), { qos: 1 })).rejects.toThrow(
      /Subscribe error/,
    );
    await expect(c.subscribeAsync('#', { qos: 0 })).rejects.toThrow(/Subscribe error/);
  });

  it('disconnects an agent that publishes under another agent’s topics', async () => {
    const [a, b] = creds;
    const c = connect({ clientId: a!.id, username: a!.id, password: a!.password });
    await connected(c);
    const closed = new Promise<void>((r) => c.once('close', () => r()));
    c.publish(
      topics.state(tenantId, b!.id),
      JSON.stringify({ status: 'offline', at: new Date().toISOString() }),
      { qos: 1 },
    );
    await closed;
  });
});

/** The request/response relay, against the embedded broker and (when MQTT_URL is set) an external one. */
const brokers = [
  { name: 'embedded aedes', url: () => `mqtt://127.0.0.1:${broker.port}`, auth: true },
  ...(process.env.MQTT_URL
    ? [{ name: `external ${process.env.MQTT_URL}`, url: () => process.env.MQTT_URL!, auth: false }]
    : []),
];

describe.each(brokers)('core ↔ agent relay over $name', ({ url, auth }) => {
  it('records the agent online and answers a ping from the staff API through MQTT', async () => {
    const [a] = creds;
    const bridge = new AgentBridge({
      url: url(),
      ...(auth ? { username: CORE_MQTT_USER, password: CORE_PASSWORD } : {}),
      db: database.db,
      logger: silentLogger,
    });
    await bridge.start();
    const agent = connect(
      auth
        ? { clientId: a!.id, username: a!.id, password: a!.password }
        : { clientId: `${a!.id.slice(0, 20)}-${Date.now() % 1000}` },
      url(),
    );
    await connected(agent);
    await agent.subscribeAsync(topics.request(tenantId, a!.id), { qos: 1 });
    agent.on('message', (_topic, payload) => {
      const req = AgentRequest.parse(JSON.parse(payload.toString()));
      agent.publish(
        topics.response(tenantId, a!.id),
        JSON.stringify({ transaction: req.transaction, ok: true, result: { pong: true } }),
        { qos: 1 },
      );
    });
    await agent.publishAsync(
      topics.state(tenantId, a!.id),
      JSON.stringify({ status: 'online', at: new Date().toISOString() }),
      { qos: 1, retain: true },
    );

    const app = testApp(database, { agents: bridge });
    const cookie = await login(app, 'mqtt', 'counter');
    await expect
      .poll(async () => {
        const list = (await (await call(app, cookie, 'GET', '/api/agents')).json()) as {
          agents: { id: string; status: string }[];
        };
        return list.agents.find((x) => x.id === a!.id)?.status;
      })
      .toBe('online');
    const res = await call(app, cookie, 'POST', `/api/agents/${a!.id}/ping`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { latencyMs: number }).latencyMs).toBeGreaterThanOrEqual(0);
    // the second agent never answers: the staff see a clear timeout, not a hang
    const silent = await call(app, cookie, 'POST', `/api/agents/${creds[1]!.id}/ping`);
    expect(silent.status).toBe(504);
    expect(((await silent.json()) as { messageJa: string }).messageJa).toBe(
      '端末のエージェントから応答がありません',
    );
    await agent.publishAsync(topics.state(tenantId, a!.id), '', { qos: 1, retain: true });
    await bridge.stop();
  });
});
