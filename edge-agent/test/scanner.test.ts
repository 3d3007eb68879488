import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { topics } from '@bunko/protocols';
import { and, eq, like } from 'drizzle-orm';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CORE_MQTT_USER } from '../../cloud/src/broker/embedded-broker.ts';
import { operationLog } from '../../cloud/src/db/schema/index.ts';
import { call, login, silentLogger } from '../../cloud/test/support/test-app.ts';
import { type Agent, createAgent } from '../src/agent.ts';
import { agentConfig, CORE_PASSWORD, type Core, startCore, testBrokers } from './support/core.ts';
import { haveSocat, socatPair } from './support/pty.ts';

let core: Core;
const agents: Agent[] = [];
const children: ChildProcess[] = [];
const streams: { close(): Promise<void> }[] = [];
const clients: mqtt.MqttClient[] = [];

type Sse = { event: string; data: Record<string, unknown> };

/** Open the scan stream of a session as the browser's EventSource would, collecting its events. */
async function openStream(cookie: string) {
  const res = await core.app.request('/api/scans/stream', { headers: { cookie } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = res.body!.getReader();
  const events: Sse[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  void (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const field = (name: string) =>
          block
            .split('\n')
            .filter((l) => l.startsWith(`${name}:`))
            .map((l) => l.slice(name.length + 1).trimStart())
            .join('\n');
        const data = field('data');
        if (data) events.push({ event: field('event') || 'message', data: JSON.parse(data) });
      }
    }
  })().catch(() => {});
  const stream = {
    events,
    scans: () => events.filter((e) => e.event === 'scan').map((e) => e.data.data),
    close: () => reader.cancel().catch(() => {}),
  };
  streams.push(stream);
  return stream;
}

/** A socat pseudo-terminal pair: the agent opens `reader`, the test types into `host`. */
async function ptyPair(dir = core.tempDir('bunko-pty-')) {
  const { device: reader, host, child } = await socatPair(dir, { device: 'reader', host: 'host' });
  children.push(child);
  return {
    reader,
    /** what the barcode reader sends down the line */
    send(text: string) {
      const fd = openSync(host, 'w');
      try {
        writeSync(fd, Buffer.from(text, 'latin1'));
      } finally {
        closeSync(fd);
      }
    },
    kill: () => child.kill('SIGTERM'),
  };
}

async function startScannerAgent(code: string, transport: Record<string, unknown>) {
  const creds = await core.register(code);
  const agent = createAgent(
    agentConfig(core, creds, core.tempDir(), [
      { id: 'scanner-1', kind: 'barcodeReader', profile: 'generic-serial-nw7-reader', transport },
    ]),
    { logger: silentLogger },
  );
  agents.push(agent);
  await agent.start();
  return { agent, agentId: creds.agentId };
}

const readerStatus = async (agentId: string) =>
  (await core.deviceRows(agentId)).find((d) => d.deviceKey === 'scanner-1')?.status;

describe.each(testBrokers)('desk barcode readers over $name', ({ external }) => {
  beforeAll(async () => {
    core = await startCore('scan', external ? { externalBrokerUrl: external } : {});
  });

  afterAll(async () => {
    for (const s of streams.splice(0)) await s.close();
    for (const a of agents.splice(0)) await a.stop().catch(() => {});
    for (const c of clients.splice(0)) c.end(true);
    for (const c of children.splice(0)) c.kill('SIGKILL');
    await core?.close();
  });

  describe.skipIf(!haveSocat)(
    'a serial barcode reader on a pseudo-terminal, to the paired browser session',
    () => {
      it('pairs by a scanned code, delivers scans to that session only, once per seq, and unpairs', async () => {
        const pty = await ptyPair();
        const { agentId } = await startScannerAgent('serial-1', {
          type: 'serial',
          path: pty.reader,
          baudRate: 9600,
          suffix: 'cr',
        });
        await vi.waitFor(async () => expect(await readerStatus(agentId)).toBe('ok'), { timeout: 15_000 });

        const counter = await login(core.app, 'scan', 'counter');
        const librarian = await login(core.app, 'scan', 'librarian');
        const desk = await openStream(counter);
        const other = await openStream(librarian);
        await vi.waitFor(() => expect(desk.events[0]).toEqual({ event: 'pairing', data: { pairing: null } }));
        await vi.waitFor(() => expect(other.events.length).toBe(1));

        // an unpaired session gets nothing: a scan now reaches the core and goes nowhere
        pty.send('A1000009A\r');

        // the counter screen shows a code; staff scan it with the desk's reader
        const issued = await call(core.app, counter, 'POST', '/api/scans/pairing-code');
        expect(issued.status).toBe(200);
        const { code, barcode } = (await issued.json()) as { code: string; barcode: string };
        expect(code).toMatch(/^\$\d{10}$/);
        expect(barcode).toBe(`A${code}A`);
        pty.send(`${barcode}\r`);
        await vi.waitFor(() => expect(desk.events.some((e) => e.event === 'paired')).toBe(true), {
          timeout: 15_000,
        });
        const paired = desk.events.find((e) => e.event === 'paired')!.data;
        expect(paired.pairing).toMatchObject({ agentId, deviceId: 'scanner-1', agentNameJa: 'serial-1' });
        const state = await call(core.app, counter, 'GET', '/api/scans/pairing');
        expect(await state.json()).toMatchObject({ pairing: { agentId, deviceId: 'scanner-1' } });
        expect(await (await call(core.app, librarian, 'GET', '/api/scans/pairing')).json()).toEqual({
          pairing: null,
        });

        // a scan at the desk: out of the paired session's stream, as the reader sent it
        pty.send('A1000001A\r');
        await vi.waitFor(() => expect(desk.scans()).toEqual(['A1000001A']), { timeout: 15_000 });
        const scan = desk.events.find((e) => e.event === 'scan')!.data;
        expect(scan).toMatchObject({ type: 'scan', data: 'A1000001A', deviceId: 'scanner-1' });
        expect(Number.isNaN(Date.parse(String(scan.at)))).toBe(false);
        // delivered in the same step as the desk's copy would have been: the other session has nothing
        expect(other.events.map((e) => e.event)).toEqual(['pairing']);
        expect(desk.scans()).not.toContain('A1000009A');

        // at least once: a redelivered event (same agent, same seq) reaches the session once
        const watcher = mqtt.connect(core.url, {
          clientId: `test-core-${randomUUID().slice(0, 8)}`,
          username: CORE_MQTT_USER,
          password: CORE_PASSWORD,
          reconnectPeriod: 0,
        });
        clients.push(watcher);
        await new Promise<void>((resolve, reject) => {
          watcher.once('connect', () => resolve());
          watcher.once('error', reject);
        });
        const eventTopic = topics.event(core.tenantId, agentId);
        const seen: string[] = [];
        watcher.on('message', (topic, payload) => {
          if (topic === eventTopic) seen.push(payload.toString('utf8'));
        });
        await watcher.subscribeAsync(eventTopic, { qos: 1 });
        pty.send('A1000002A\r');
        await vi.waitFor(() => expect(desk.scans()).toEqual(['A1000001A', 'A1000002A']), { timeout: 15_000 });
        await vi.waitFor(() => expect(seen.length).toBe(1));
        const original = JSON.parse(seen[0]!) as { seq: number };
        expect(original).toMatchObject({ type: 'scan', deviceId: 'scanner-1', data: 'A1000002A' });
        await watcher.publishAsync(eventTopic, seen[0]!, { qos: 1 });
        await watcher.publishAsync(eventTopic, seen[0]!, { qos: 1 });
        // an event from a reader the agent never reported is ignored
        await watcher.publishAsync(
          eventTopic,
          JSON.stringify({
            ...original,
            deviceId: 'not-a-reader',
            seq: original.seq + 100_000,
            data: 'A1000004A',
          }),
          { qos: 1 },
        );
        // a later event from the same connection: once it is through, the copies were handled before it
        await watcher.publishAsync(
          eventTopic,
          JSON.stringify({ ...original, seq: original.seq + 200_000, data: 'A1000003A' }),
          { qos: 1 },
        );
        await vi.waitFor(() => expect(desk.scans().at(-1)).toBe('A1000003A'), { timeout: 15_000 });
        expect(desk.scans()).toEqual(['A1000001A', 'A1000002A', 'A1000003A']);

        // unpair: the session hears it, and pairing and unpairing are in the operation log
        const unpaired = await call(core.app, counter, 'DELETE', '/api/scans/pairing');
        expect(await unpaired.json()).toEqual({ unpaired: true });
        await vi.waitFor(() => expect(desk.events.at(-1)).toMatchObject({ event: 'unpaired' }));
        const log = await core.database.db
          .select({
            action: operationLog.action,
            staff: operationLog.staffLoginId,
            details: operationLog.details,
          })
          .from(operationLog)
          .where(and(eq(operationLog.tenantId, core.tenantId), like(operationLog.action, 'scanner.%')))
          .orderBy(operationLog.at);
        expect(log).toEqual([
          { action: 'scanner.pair', staff: 'counter', details: { deviceId: 'scanner-1' } },
          { action: 'scanner.unpair', staff: 'counter', details: { deviceId: 'scanner-1' } },
        ]);
      });

      it('marks a reader that is missing or unplugged as errored, keeps the agent up, and reopens it', async () => {
        const dir = core.tempDir('bunko-pty-');
        const { agent, agentId } = await startScannerAgent('serial-2', {
          type: 'serial',
          path: join(dir, 'reader'),
        });
        // not plugged in yet: errored, and the agent is online and answering
        await vi.waitFor(async () => expect(await readerStatus(agentId)).toBe('error'), { timeout: 15_000 });
        expect(agent.connected).toBe(true);
        const ping = await core.request(agentId, {
          transaction: randomUUID(),
          action: 'ping',
          sentAt: new Date().toISOString(),
        });
        expect(ping.ok).toBe(true);
        // plugged in: the agent's retry opens it
        const pty = await ptyPair(dir);
        await vi.waitFor(async () => expect(await readerStatus(agentId)).toBe('ok'), { timeout: 30_000 });
        // unplugged while open: errored again, the agent stays up
        pty.kill();
        await vi.waitFor(async () => expect(await readerStatus(agentId)).toBe('error'), { timeout: 15_000 });
        expect(agent.connected).toBe(true);
      });
    },
  );

  describe('the virtual reader (demo)', () => {
    it('sends each line appended to its inbox as a scan', async () => {
      const inbox = join(core.tempDir('bunko-virtual-'), 'scanner-1.txt');
      const creds = await core.register('virtual-scan-1');
      const agent = createAgent(
        agentConfig(core, creds, core.tempDir(), [
          {
            id: 'scanner-1',
            kind: 'barcodeReader',
            profile: 'virtual-reader',
            transport: { type: 'virtual', inbox },
          },
        ]),
        { logger: silentLogger },
      );
      agents.push(agent);
      await agent.start();
      await vi.waitFor(async () => expect(await readerStatus(creds.agentId)).toBe('ok'), { timeout: 15_000 });
      const cookie = await login(core.app, 'scan', 'admin');
      const desk = await openStream(cookie);
      const { barcode } = (await (
        await call(core.app, cookie, 'POST', '/api/scans/pairing-code')
      ).json()) as {
        barcode: string;
      };
      appendFileSync(inbox, `${barcode}\n`);
      await vi.waitFor(() => expect(desk.events.some((e) => e.event === 'paired')).toBe(true), {
        timeout: 15_000,
      });
      appendFileSync(inbox, '1000001\n');
      await vi.waitFor(() => expect(desk.scans()).toEqual(['1000001']), { timeout: 15_000 });
    });
  });
});
