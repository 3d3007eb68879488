import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AgentRequest, checkoutReceipt, topics } from '@bunko/protocols';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CORE_MQTT_USER } from '../../cloud/src/broker/embedded-broker.ts';
import { silentLogger } from '../../cloud/test/support/test-app.ts';
import { type Agent, createAgent } from '../src/agent.ts';
import { encodeCp932 } from '../src/cp932.ts';
import { ESCPOS } from '../src/escpos.ts';
import { PrintJournal } from '../src/journal.ts';
import {
  agentConfig,
  CORE_PASSWORD,
  type Core,
  capturePrinter,
  closedPort,
  ping,
  printRequest,
  startCore,
} from './support/core.ts';

let core: Core;
let printer: Awaited<ReturnType<typeof capturePrinter>>;
const running: Agent[] = [];
const coreClients: mqtt.MqttClient[] = [];

type Creds = Awaited<ReturnType<Core['register']>>;
type Started = { agent: Agent; agentId: string; creds: Creds; dataDir: string; prints: string };

/** Register an agent with the core, start it with a virtual receipt printer plus `more` devices. */
async function startAgent(code: string, more: unknown[] = []): Promise<Started> {
  const creds = await core.register(code);
  const dataDir = core.tempDir();
  const prints = join(dataDir, 'prints');
  const config = agentConfig(core, creds, dataDir, [
    {
      id: 'receipt-1',
      kind: 'receiptPrinter',
      profile: 'epson-tm-t88vi',
      transport: { type: 'virtual', dir: prints },
    },
    ...more,
  ]);
  const agent = createAgent(config, { logger: silentLogger });
  running.push(agent);
  await agent.start();
  await waitOnline(creds.agentId);
  return { agent, agentId: creds.agentId, creds, dataDir, prints };
}

const waitOnline = (agentId: string) =>
  vi.waitFor(
    async () => {
      const row = await core.agentRow(agentId);
      expect(row?.status).toBe('online');
      expect(row?.info?.version).toBeTypeOf('string');
    },
    { timeout: 15_000, interval: 50 },
  );

/** The TCP 9100 capture printer as the agent's device `net-1`. */
const netPrinter = () => ({
  id: 'net-1',
  kind: 'receiptPrinter',
  profile: 'epson-tm-t88vi',
  transport: { type: 'tcp9100', host: '127.0.0.1', port: printer.port },
});

/** Start a stopped agent again on its data directory (and journal), with these devices. */
async function restartAgent(first: Started, devicesConfig: unknown[]): Promise<Agent> {
  await vi.waitFor(async () => expect((await core.agentRow(first.agentId))?.status).toBe('offline'));
  const again = createAgent(agentConfig(core, first.creds, first.dataDir, devicesConfig), {
    logger: silentLogger,
  });
  running.push(again);
  await again.start();
  await waitOnline(first.agentId);
  return again;
}

const files = (dir: string) => {
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.txt'));
  } catch {
    return [];
  }
};

/** A client logged in as the core, to watch what agents publish. */
async function coreClient() {
  const c = mqtt.connect(core.url, {
    clientId: `test-core-${randomUUID().slice(0, 8)}`,
    username: CORE_MQTT_USER,
    password: CORE_PASSWORD,
    reconnectPeriod: 0,
  });
  coreClients.push(c);
  await new Promise<void>((resolve, reject) => {
    c.once('connect', () => resolve());
    c.once('error', reject);
  });
  return c;
}

beforeAll(async () => {
  core = await startCore('edge');
  printer = await capturePrinter();
});

afterAll(async () => {
  for (const a of running) await a.stop().catch(() => {});
  for (const c of coreClients) c.end(true);
  await printer?.close();
  await core?.close();
});

describe('edge agent against the core’s embedded broker', () => {
  it('goes online: retained state and info reach the agents and devices tables', async () => {
    const { agentId } = await startAgent('online-1', [
      { id: 'label-1', kind: 'labelPrinter', profile: 'epson-tm-l90', transport: { type: 'virtual' } },
    ]);
    const row = await core.agentRow(agentId);
    expect(row?.info).toMatchObject({ platform: `${process.platform}-${process.arch}` });
    await vi.waitFor(async () => {
      const devs = await core.deviceRows(agentId);
      expect(devs.map((d) => [d.deviceKey, d.kind, d.profile, d.status]).sort()).toEqual([
        ['label-1', 'labelPrinter', 'epson-tm-l90', 'ok'],
        ['receipt-1', 'receiptPrinter', 'epson-tm-t88vi', 'ok'],
      ]);
    });
  });

  it('answers a ping sent through the core’s bridge', async () => {
    const { agentId } = await startAgent('ping-1');
    const res = await core.request(agentId, ping());
    expect(res.ok).toBe(true);
    expect(res.result).toMatchObject({ pong: true });
    expect(Number.isNaN(Date.parse(String(res.result?.at)))).toBe(false);
  });

  it('prints to the virtual printer: one text file laid out in the profile’s columns', async () => {
    const { agentId, prints } = await startAgent('virtual-1');
    const long = 'あ'.repeat(30); // 60 columns on a 42-column receipt: wraps after 21 kana
    const res = await core.request(agentId, printRequest('receipt-1', ['貸出票', '石垣市立図書館', long]));
    expect(res).toMatchObject({ ok: true, result: { printed: true, duplicate: false } });
    const [file] = files(prints);
    expect(file).toBeDefined();
    const text = readFileSync(join(prints, file!), 'utf8');
    expect(text).toBe(`貸出票\n石垣市立図書館\n${'あ'.repeat(21)}\n${'あ'.repeat(9)}\n`);
  });

  it('prints to a TCP 9100 printer: ESC/POS with init, Kanji in CP932, feed and partial cut', async () => {
    const { agentId } = await startAgent('tcp-1', [netPrinter()]);
    const before = printer.jobs.length;
    const res = await core.request(agentId, printRequest('net-1', ['返却日 2025-07-01', '日本']));
    expect(res).toMatchObject({ ok: true, result: { printed: true } });
    await vi.waitFor(() => expect(printer.jobs.length).toBe(before + 1));
    const bytes = printer.jobs[before]!;
    expect([...bytes.subarray(0, 2)]).toEqual(ESCPOS.init);
    expect(bytes.includes(Buffer.from(ESCPOS.kanjiOn))).toBe(true);
    expect(bytes.includes(Buffer.from(encodeCp932('日本\n')))).toBe(true);
    expect(bytes.includes(Buffer.from([0x93, 0xfa, 0x96, 0x7b]))).toBe(true); // 日本 in Shift_JIS
    expect([...bytes.subarray(-4)]).toEqual(ESCPOS.partialCut);
    expect(res.result?.bytes).toBe(bytes.length);
  });

  it('prints a checkout receipt document: ESC/POS in CP932 to TCP 9100, and the same bytes plus a text layout to the virtual printer', async () => {
    const { agentId, prints } = await startAgent('document-1', [netPrinter()]);
    const receipt = checkoutReceipt({
      libraryNameJa: '石垣市立図書館',
      cardBarcode: '2000000012',
      loans: [{ title: '八重山の海', itemBarcode: '1000000017', dueOn: '2026-12-09' }],
      printedAt: new Date('2026-11-25T03:00:00Z'),
    });

    const before = printer.jobs.length;
    const res = await core.request(agentId, printRequest('net-1', receipt));
    expect(res).toMatchObject({ ok: true, result: { printed: true, duplicate: false } });
    await vi.waitFor(() => expect(printer.jobs.length).toBe(before + 1));
    const bytes = printer.jobs[before]!;
    expect([...bytes.subarray(0, 2)]).toEqual(ESCPOS.init);
    expect(bytes.includes(Buffer.from([0x94, 0xaa, 0x8f, 0x64, 0x8e, 0x52, 0x82, 0xcc, 0x8a, 0x43]))).toBe(
      true,
    ); // 八重山の海 in CP932
    expect(bytes.includes(Buffer.from([0x97, 0xdf, 0x98, 0x61]))).toBe(true); // 令和
    expect(bytes.includes(Buffer.from(encodeCp932('令和8年12月9日(水)')))).toBe(true);
    expect(bytes.includes(Buffer.from([...ESCPOS.align('center'), ...ESCPOS.emphasis(true)]))).toBe(true);
    expect(bytes.includes(Buffer.from('2000000012'))).toBe(false); // the card number is masked
    expect([...bytes.subarray(-4)]).toEqual(ESCPOS.partialCut);
    expect(res.result?.bytes).toBe(bytes.length);

    const virtual = await core.request(agentId, printRequest('receipt-1', receipt));
    expect(virtual).toMatchObject({ ok: true, result: { printed: true } });
    const [file] = files(prints);
    const text = readFileSync(join(prints, file!), 'utf8');
    expect(text).toContain('1. 八重山の海');
    expect(text).toContain('令和8年12月9日(水)');
    expect(text).toContain('2026年12月9日(水)');
    expect(text).toContain(`  資料番号${' '.repeat(42 - 10 - 10)}1000000017\n`);
    expect(text).toContain(`${'-'.repeat(42)}\n`);
    // beside it, the very ESC/POS job the TCP printer got (same encoder, same profile)
    const job = readdirSync(prints).filter((f) => f.endsWith('.bin'));
    expect(job).toEqual([file!.replace(/\.txt$/, '.bin')]);
    expect(readFileSync(join(prints, job[0]!)).equals(bytes)).toBe(true);
    expect(virtual.result?.bytes).toBe(bytes.length);
  });

  it('prints a repeated jobId once, also after the agent restarts on the same journal', async () => {
    const first = await startAgent('dup-1', [netPrinter()]);
    const jobId = randomUUID();
    const before = printer.jobs.length;
    const a = await core.request(first.agentId, printRequest('net-1', ['一度だけ'], { jobId }));
    const b = await core.request(first.agentId, printRequest('net-1', ['一度だけ'], { jobId }));
    expect(a).toMatchObject({ ok: true, result: { printed: true, duplicate: false } });
    expect(b).toMatchObject({
      ok: true,
      result: { printed: true, duplicate: true, printedAt: a.result?.printedAt },
    });
    // the same job sent twice at once (a QoS 1 redelivery racing the original) also prints once
    const racing = randomUUID();
    const both = await Promise.all([
      core.request(first.agentId, printRequest('receipt-1', ['同時'], { jobId: racing })),
      core.request(first.agentId, printRequest('receipt-1', ['同時'], { jobId: racing })),
    ]);
    expect(both.every((r) => r.ok)).toBe(true);
    expect(files(first.prints)).toHaveLength(1);

    // the agent restarts (as after a crash or an update) on the same data directory
    await first.agent.stop();
    await restartAgent(first, [netPrinter()]);
    const c = await core.request(first.agentId, printRequest('net-1', ['一度だけ'], { jobId }));
    expect(c).toMatchObject({ ok: true, result: { duplicate: true, printedAt: a.result?.printedAt } });
    expect(printer.jobs.length).toBe(before + 1);
  });

  it('answers printInterrupted for a job the journal left started (killed mid-job), printing nothing', async () => {
    const first = await startAgent('interrupted-1', [netPrinter()]);
    await first.agent.stop();
    // what a kill between "started" and the printer's last byte leaves behind
    const jobId = randomUUID();
    const journal = await PrintJournal.open(first.dataDir);
    await journal.append({
      jobId,
      state: 'started',
      at: new Date().toISOString(),
      deviceId: 'net-1',
      notAfter: new Date(Date.now() + 60_000).toISOString(),
    });
    await journal.close();
    await restartAgent(first, [netPrinter()]);
    const before = printer.jobs.length;
    const interrupted = {
      ok: false,
      error: { code: 'printInterrupted', message: expect.stringContaining('not printed again') },
    };
    expect(await core.request(first.agentId, printRequest('net-1', ['二度目'], { jobId }))).toMatchObject(
      interrupted,
    );
    // the outcome is now recorded: a redelivery gets the same answer, still without paper
    expect(await core.request(first.agentId, printRequest('net-1', ['二度目'], { jobId }))).toMatchObject(
      interrupted,
    );
    expect(printer.jobs.length).toBe(before);
    // a new job id does print (staff reprint deliberately), and it is the only new paper
    const reprint = await core.request(first.agentId, printRequest('net-1', ['再印刷']));
    expect(reprint).toMatchObject({ ok: true, result: { printed: true } });
    await vi.waitFor(() => expect(printer.jobs.length).toBe(before + 1));
    const sjis = (text: string) => Buffer.from(encodeCp932(text));
    expect(printer.jobs[before]!.includes(sjis('再印刷'))).toBe(true);
    expect(printer.jobs.some((b) => b.includes(sjis('二度目')))).toBe(false);
  });

  it('refuses an expired job and an unknown device, printing nothing', async () => {
    const { agentId, prints } = await startAgent('refuse-1');
    const expired = await core.request(
      agentId,
      printRequest('receipt-1', ['遅すぎ'], { notAfter: new Date(Date.now() - 1000).toISOString() }),
    );
    expect(expired).toMatchObject({ ok: false, error: { code: 'expired' } });
    const unknown = await core.request(agentId, printRequest('no-such-printer', ['x']));
    expect(unknown).toMatchObject({ ok: false, error: { code: 'unknownDevice' } });
    expect(files(prints)).toEqual([]);
  });

  it('answers an invalid request with invalidRequest naming the fields, and keeps serving', async () => {
    const { agentId, prints } = await startAgent('invalid-1');
    const bad = {
      transaction: randomUUID(),
      action: 'print',
      deviceId: 'receipt-1',
      document: { kind: 'text' },
    };
    const res = await core.request(agentId, bad as unknown as AgentRequest);
    expect(res.ok).toBe(false);
    expect(res.error?.code).toBe('invalidRequest');
    expect(res.error?.message).toMatch(/jobId/);
    expect(res.error?.message).toMatch(/notAfter/);
    const unknownAction = await core.request(agentId, {
      transaction: randomUUID(),
      action: 'format-disk',
    } as unknown as AgentRequest);
    expect(unknownAction.error?.code).toBe('invalidRequest');
    expect(files(prints)).toEqual([]);
    expect((await core.request(agentId, ping())).ok).toBe(true);
  });

  it('reports an unreachable printer clearly and marks the device as errored in the core', async () => {
    const port = await closedPort();
    const { agentId } = await startAgent('unreachable-1', [
      {
        id: 'net-1',
        kind: 'receiptPrinter',
        profile: 'generic-escpos-58mm',
        transport: { type: 'tcp9100', host: '127.0.0.1', port },
      },
    ]);
    const jobId = randomUUID();
    const res = await core.request(agentId, printRequest('net-1', ['x'], { jobId }));
    expect(res).toMatchObject({ ok: false, error: { code: 'printerUnreachable' } });
    expect(res.error?.message).toMatch(/refused/);
    await vi.waitFor(async () => {
      const dev = (await core.deviceRows(agentId)).find((d) => d.deviceKey === 'net-1');
      expect(dev?.status).toBe('error');
    });
    // nothing reached the printer, so the same job may be tried again once it is back
    const retry = await core.request(agentId, printRequest('net-1', ['x'], { jobId }));
    expect(retry.error?.code).toBe('printerUnreachable');
  });

  it('announces its info again when the core restarts (new bootId)', async () => {
    const { agentId } = await startAgent('birth-1');
    const watcher = await coreClient();
    let infos = 0;
    watcher.on('message', (topic) => {
      if (topic === topics.info(core.tenantId, agentId)) infos++;
    });
    await watcher.subscribeAsync(topics.info(core.tenantId, agentId), { qos: 1 });
    await vi.waitFor(() => expect(infos).toBe(1)); // the retained one
    await watcher.publishAsync(
      topics.core(core.tenantId),
      JSON.stringify({ status: 'online', at: new Date().toISOString(), bootId: randomUUID() }),
      { qos: 1, retain: true },
    );
    await vi.waitFor(() => expect(infos).toBe(2));
  });

  it('goes offline by its last will when the connection drops, then reconnects and comes back online', async () => {
    const { agentId } = await startAgent('reconnect-1');
    const watcher = await coreClient();
    const states: string[] = [];
    watcher.on('message', (topic, payload) => {
      if (topic === topics.state(core.tenantId, agentId) && payload.length > 0)
        states.push((JSON.parse(payload.toString()) as { status: string }).status);
    });
    await watcher.subscribeAsync(topics.state(core.tenantId, agentId), { qos: 1 });
    await vi.waitFor(() => expect(states).toEqual(['online']));
    const clients = (core.broker.broker as unknown as { clients: Record<string, { close(): void }> }).clients;
    clients[agentId]!.close(); // the broker loses the link without a DISCONNECT
    await vi.waitFor(() => expect(states).toEqual(['online', 'offline', 'online']), { timeout: 15_000 });
    await waitOnline(agentId);
    expect((await core.request(agentId, ping())).ok).toBe(true);
  });
});
