import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AgentConfigError, loadAgentConfig } from '../src/config.ts';

const dir = mkdtempSync(join(tmpdir(), 'bunko-agent-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const good = () => ({
  tenantId: randomUUID(),
  agentId: randomUUID(),
  mqtt: { url: 'mqtt://127.0.0.1:1884', username: 'u', password: 'p' },
  dataDir: 'agent-data',
  devices: [
    { id: 'receipt-1', kind: 'receiptPrinter', profile: 'epson-tm-t88vi', transport: { type: 'virtual' } },
    {
      id: 'net-1',
      kind: 'receiptPrinter',
      profile: 'generic-escpos-58mm',
      transport: { type: 'tcp9100', host: 'printer.local' },
    },
  ],
});

const write = (name: string, value: unknown) => {
  const file = join(dir, name);
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
};

const errorOf = (fn: () => unknown): AgentConfigError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof AgentConfigError) return err;
    throw err;
  }
  throw new Error('expected an AgentConfigError');
};

describe('agent config file', () => {
  it('loads, with defaults, and resolves paths against the file’s directory', () => {
    const c = loadAgentConfig(write('good.json', good()));
    expect(c.dataDir).toBe(join(dir, 'agent-data'));
    expect(c.devices[0]!.transport).toEqual({
      type: 'virtual',
      dir: join(dir, 'agent-data', 'prints', 'receipt-1'),
    });
    expect(c.devices[1]!.transport).toEqual({
      type: 'tcp9100',
      host: 'printer.local',
      port: 9100,
      timeoutMs: 10_000,
    });
    expect(c.mqtt.reconnectMs).toBe(2000);
  });

  it('names each bad field', () => {
    const bad = good() as Record<string, unknown>;
    bad.agentId = 'pc-1';
    bad.mqtt = { url: 'http://x', username: 'u', password: 'p' };
    bad.devices = [{ id: 'r', kind: 'toaster', profile: 'x', transport: { type: 'virtual' } }];
    const e = errorOf(() => loadAgentConfig(write('bad.json', bad)));
    expect(e.issues.map((i) => i.path).sort()).toEqual(['agentId', 'devices[0].kind', 'mqtt.url']);
    expect(e.message).toMatch(/bad\.json/);
    expect(e.message).toMatch(/mqtt\.url: must be an mqtt:\/\//);
  });

  it('refuses an unknown profile, a profile of another kind, and duplicate device ids', () => {
    const c = good();
    c.devices[0]!.profile = 'no-such-printer';
    c.devices[1]!.kind = 'barcodeReader';
    expect(errorOf(() => loadAgentConfig(write('profiles.json', c))).issues).toEqual([
      { path: 'devices[0].profile', message: 'unknown profile "no-such-printer"' },
      {
        path: 'devices[1].kind',
        message: 'profile "generic-escpos-58mm" is a receiptPrinter, not a barcodeReader',
      },
    ]);
    const d = good();
    d.devices[1]!.id = 'receipt-1';
    expect(errorOf(() => loadAgentConfig(write('dup.json', d))).issues).toEqual([
      { path: 'devices[1].id', message: 'duplicate id "receipt-1"' },
    ]);
  });

  it('takes barcode readers on serial, HID POS and virtual transports, with defaults', () => {
    const c: { devices: unknown[] } = good();
    c.devices.push(
      {
        id: 'scan-1',
        kind: 'barcodeReader',
        profile: 'generic-serial-nw7-reader',
        transport: { type: 'serial', path: '/dev/ttyACM0' },
      },
      {
        id: 'scan-2',
        kind: 'barcodeReader',
        profile: 'generic-hid-pos-reader',
        transport: { type: 'hidPos', vendorId: 0x0c2e },
      },
      { id: 'scan-3', kind: 'barcodeReader', profile: 'virtual-reader', transport: { type: 'virtual' } },
    );
    const config = loadAgentConfig(write('readers.json', c));
    const byId = new Map(config.devices.map((d) => [d.id, d.transport]));
    expect(byId.get('scan-1')).toEqual({
      type: 'serial',
      path: '/dev/ttyACM0',
      baudRate: 9600,
      dataBits: 8,
      parity: 'none',
      stopBits: 1,
      suffix: 'cr',
    });
    expect(byId.get('scan-2')).toEqual({ type: 'hidPos', vendorId: 0x0c2e });
    expect(byId.get('scan-3')).toEqual({
      type: 'virtual',
      inbox: join(config.dataDir, 'virtual-scans', 'scan-3.txt'),
    });
  });

  it('refuses a transport the agent has no driver for, for that kind of device', () => {
    const c: { devices: unknown[] } = good();
    c.devices.push(
      {
        id: 'scan-1',
        kind: 'barcodeReader',
        profile: 'generic-serial-nw7-reader',
        transport: { type: 'tcp9100', host: 'x' },
      },
      {
        id: 'p-1',
        kind: 'receiptPrinter',
        profile: 'epson-tm-t88vi',
        transport: { type: 'serial', path: '/dev/ttyS0' },
      },
    );
    expect(errorOf(() => loadAgentConfig(write('transports.json', c))).issues.map((i) => i.path)).toEqual([
      `devices[${c.devices.length - 2}].transport.type`,
      `devices[${c.devices.length - 1}].transport.type`,
    ]);
  });

  it('says when the file is missing or not JSON', () => {
    expect(() => loadAgentConfig(join(dir, 'missing.json'))).toThrow(/missing\.json: cannot read \(ENOENT\)/);
    expect(() => loadAgentConfig(write('broken.json', '{'))).toThrow(/broken\.json: not valid JSON/);
  });
});
