import { randomUUID } from 'node:crypto';
import { checkoutReceipt } from '@bunko/protocols';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Agent } from '../src/agent.ts';
import { encodeCp932 } from '../src/cp932.ts';
import { parseRealtimeStatus } from '../src/escpos-status.ts';
import { type Core, deviceRow, printRequest, startCore, startTestAgent } from './support/core.ts';
import { haveSocat, socatPair } from './support/pty.ts';
import { STATUS_BYTES, statusSerialPrinter, statusTcpPrinter } from './support/status-printer.ts';

const receipt = () =>
  checkoutReceipt({
    libraryNameJa: '石垣市立図書館',
    cardBarcode: '200000019',
    loans: [{ title: '八重山の民話', itemBarcode: '100000017', dueOn: '2026-12-09' }],
    printedAt: new Date('2026-11-25T01:00:00Z'),
  });
const contains = (hay: readonly number[], needle: Uint8Array) =>
  Buffer.from(Uint8Array.from(hay)).includes(Buffer.from(needle));

let core: Core;
const agents: Agent[] = [];
const closers: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  core = await startCore('status');
});

afterAll(async () => {
  for (const a of agents) await a.stop().catch(() => {});
  for (const c of closers) await c();
  await core?.close();
});

describe('DLE EOT real-time status', () => {
  it('reads the four answers as the core’s device status', () => {
    expect(parseRealtimeStatus(STATUS_BYTES.ready)).toEqual({ status: 'ok' });
    expect(parseRealtimeStatus(STATUS_BYTES.paperNearEnd)).toEqual({
      status: 'ok',
      detail: 'paper near end',
    });
    expect(parseRealtimeStatus(STATUS_BYTES.paperEnd)).toMatchObject({ status: 'paperEnd' });
    expect(parseRealtimeStatus(STATUS_BYTES.coverOpen)).toMatchObject({ status: 'coverOpen' });
    expect(parseRealtimeStatus(STATUS_BYTES.cutterError)).toEqual({
      status: 'error',
      detail: 'autocutter error',
    });
    expect(parseRealtimeStatus([0x16, 0x12, 0x12, 0x00])).toMatchObject({ status: 'error' }); // not a status byte
    expect(parseRealtimeStatus([0x16, 0x12])).toMatchObject({ status: 'error' });
  });
});

describe('printer status over TCP 9100', () => {
  it('asks before each job, reports paper end and cover open to the core, and holds jobs until ready', async () => {
    const net = await statusTcpPrinter();
    closers.push(net.close);
    const { agent, agentId } = await startTestAgent(core, 'status-tcp', [
      {
        id: 'net-1',
        kind: 'receiptPrinter',
        profile: 'epson-tm-t88vi',
        transport: { type: 'tcp9100', host: '127.0.0.1', port: net.port, status: true },
        statusIntervalMs: 100,
      },
    ]);
    agents.push(agent);

    const first = await core.request(agentId, printRequest('net-1', receipt()));
    expect(first).toMatchObject({ ok: true, result: { printed: true } });
    expect(contains(net.printer.printed, encodeCp932('八重山の民話'))).toBe(true);

    net.printer.condition = 'paperEnd';
    await vi.waitFor(async () => expect((await deviceRow(core, agentId, 'net-1'))?.status).toBe('paperEnd'), {
      timeout: 10_000,
      interval: 50,
    });
    const before = net.printer.printed.length;
    const jobId = randomUUID();
    const held = await core.request(agentId, printRequest('net-1', receipt(), { jobId }));
    expect(held).toMatchObject({ ok: false, error: { code: 'printerNotReady', message: 'paper end' } });
    expect(net.printer.printed.length).toBe(before); // not a byte went to the printer

    net.printer.condition = 'coverOpen';
    await vi.waitFor(
      async () => {
        const d = await deviceRow(core, agentId, 'net-1');
        expect([d?.status, d?.detail]).toEqual(['coverOpen', 'cover open']);
      },
      { timeout: 10_000, interval: 50 },
    );

    net.printer.condition = 'ready';
    await vi.waitFor(async () => expect((await deviceRow(core, agentId, 'net-1'))?.status).toBe('ok'), {
      timeout: 10_000,
      interval: 50,
    });
    // the held job may be sent again with its id: nothing of it was printed
    const again = await core.request(agentId, printRequest('net-1', receipt(), { jobId }));
    expect(again).toMatchObject({ ok: true, result: { printed: true, duplicate: false } });
    expect(net.printer.printed.length).toBeGreaterThan(before);
  });
});

describe.skipIf(!haveSocat)('serial and USB printer-class transports (socat pseudo-terminals)', () => {
  for (const type of ['serial', 'usb'] as const) {
    it(`${type}: prints ESC/POS with Kanji and reads the status back on the same line`, async () => {
      const pair = await socatPair(core.tempDir('bunko-lp-'));
      closers.push(() => void pair.child.kill('SIGTERM'));
      const far = await statusSerialPrinter(pair.host);
      closers.push(far.close);
      const { agent, agentId } = await startTestAgent(core, `status-${type}`, [
        {
          id: 'lp-1',
          kind: 'receiptPrinter',
          profile: 'epson-tm-t88vi',
          transport: { type, path: pair.device, status: true },
          statusIntervalMs: 100,
        },
      ]);
      agents.push(agent);

      const res = await core.request(agentId, printRequest('lp-1', receipt()));
      expect(res).toMatchObject({ ok: true, result: { printed: true } });
      await vi.waitFor(() => expect(contains(far.printer.printed, encodeCp932('石垣市立図書館'))).toBe(true));
      expect(far.printer.printed.slice(0, 2)).toEqual([0x1b, 0x40]); // ESC @ starts the job
      expect(far.printer.queries).toBeGreaterThanOrEqual(4);

      far.printer.condition = 'coverOpen';
      await vi.waitFor(
        async () => expect((await deviceRow(core, agentId, 'lp-1'))?.status).toBe('coverOpen'),
        { timeout: 10_000, interval: 50 },
      );
      const held = await core.request(agentId, printRequest('lp-1', receipt()));
      expect(held).toMatchObject({ ok: false, error: { code: 'printerNotReady' } });
    });
  }
});
