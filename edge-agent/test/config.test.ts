import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
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
  it('takes the MQTT URL and password, data directory and agent id from BUNKO_AGENT_* variables', () => {
    const { mqtt, ...rest } = good();
    const file = write('env.json', { ...rest, mqtt: { username: mqtt.username } });
    const agentId = randomUUID();
    const c = loadAgentConfig(file, {
      env: {
        BUNKO_AGENT_MQTT_URL: 'mqtts://broker.example.jp:8883',
        BUNKO_AGENT_MQTT_PASSWORD: 'from-the-service',
        BUNKO_AGENT_DATA_DIR: 'var/bunko',
        BUNKO_AGENT_ID: agentId,
      },
    });
    expect(c.mqtt).toMatchObject({
      url: 'mqtts://broker.example.jp:8883',
      username: 'u',
      password: 'from-the-service',
    });
    expect(c.dataDir).toBe(resolve('var/bunko')); // relative to the working directory, like the TLS files
    expect(c.devices[0]!.transport).toMatchObject({ dir: join(resolve('var/bunko'), 'prints', 'receipt-1') });
    expect(c.agentId).toBe(agentId);
    // unset or empty variables leave the file's values
    const plain = loadAgentConfig(write('env-none.json', good()), { env: { BUNKO_AGENT_MQTT_URL: '' } });
    expect(plain.mqtt.url).toBe('mqtt://127.0.0.1:1884');
    expect(plain.dataDir).toBe(join(dir, 'agent-data'));
  });

  it('names the variable when an override is not valid', () => {
    const err = errorOf(() =>
      loadAgentConfig(write('env-bad.json', good()), {
        env: { BUNKO_AGENT_MQTT_URL: 'http://broker', BUNKO_AGENT_ID: 'desk-1' },
      }),
    );
    expect(err.issues.map((i) => i.path).sort()).toEqual(['BUNKO_AGENT_ID', 'BUNKO_AGENT_MQTT_URL']);
    expect(err.message).toMatch(
      /BUNKO_AGENT_MQTT_URL: must be an mqtt:\/\/, mqtts:\/\/, ws:\/\/ or wss:\/\/ URL/,
    );
    // a file error still names the file's field
    const { mqtt, ...rest } = good();
    const fileErr = errorOf(() =>
      loadAgentConfig(write('env-file-bad.json', { ...rest, mqtt: { ...mqtt, url: 'http://x' } }), {
        env: {},
      }),
    );
    expect(fileErr.issues.map((i) => i.path)).toEqual(['mqtt.url']);
  });

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
      status: false,
    });
    expect(c.devices[1]!.statusIntervalMs).toBe(30_000);
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
      status: false,
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
        kind: 'colorPrinter',
        profile: 'generic-ipp-a4',
        transport: { type: 'tcp9100', host: 'x' },
      },
    );
    expect(errorOf(() => loadAgentConfig(write('transports.json', c))).issues.map((i) => i.path)).toEqual([
      `devices[${c.devices.length - 2}].transport.type`,
      `devices[${c.devices.length - 1}].transport.type`,
    ]);
  });

  it('needs a password unless the agent logs in with a client certificate, and a key with a certificate', () => {
    const noPassword = good();
    noPassword.mqtt = { url: 'mqtts://broker:8883', username: 'u' } as typeof noPassword.mqtt;
    expect(errorOf(() => loadAgentConfig(write('nopw.json', noPassword))).issues).toEqual([
      {
        path: 'mqtt.password',
        message: 'required unless the agent logs in with a client certificate (mqtt.tls.cert)',
      },
    ]);
    const halfTls = good();
    Object.assign(halfTls.mqtt, { tls: { cert: 'agent.crt' } });
    expect(errorOf(() => loadAgentConfig(write('halftls.json', halfTls))).issues).toEqual([
      { path: 'mqtt.tls.key', message: 'required with cert' },
    ]);
  });

  it('says when the file is missing or not JSON', () => {
    expect(() => loadAgentConfig(join(dir, 'missing.json'))).toThrow(/missing\.json: cannot read \(ENOENT\)/);
    expect(() => loadAgentConfig(write('broken.json', '{'))).toThrow(/broken\.json: not valid JSON/);
  });
});
