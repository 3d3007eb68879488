import { EventEmitter } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../cloud/test/support/test-app.ts';
import { DeviceConfig } from '../src/config.ts';
import { createDevices, type Device } from '../src/devices.ts';
import type { ScanRead } from '../src/drivers/scanner-types.ts';
import { JAN_REPORT, NW7_REPORT, QR_FIRST, QR_SECOND, QR_TEXT } from './support/hid-pos-reports.ts';

/** A HID POS reader as node-hid would show it: the scanner collection of a Honeywell reader. */
const READER = {
  vendorId: 0x0c2e,
  productId: 0x0b87,
  path: '/dev/hidraw1',
  usagePage: 0x8c,
  usage: 0x02,
  release: 0,
  interface: 0,
};

/** An open device standing in for node-hid's HIDAsync: the test sends its input reports. */
class FakeHidDevice extends EventEmitter {
  closed = false;
  report(bytes: Uint8Array) {
    this.emit('data', Buffer.from(bytes));
  }
  async close() {
    this.closed = true;
  }
}

/** The USB bus: a reader that can be plugged in and pulled out; every open hands over a new device. */
function fakeHid() {
  const bus = {
    plugged: true,
    opened: [] as FakeHidDevice[],
    get current() {
      return bus.opened.at(-1)!;
    },
    devices: async () => (bus.plugged ? [READER] : []),
    open: async (path: string) => {
      if (!bus.plugged || path !== READER.path) throw new Error(`could not open HID device ${path}`);
      const device = new FakeHidDevice();
      bus.opened.push(device);
      return device;
    },
    /** pulled out while open: hidapi's read fails, node-hid emits 'error' */
    unplug() {
      bus.plugged = false;
      bus.current.emit('error', new Error('could not read from HID device'));
    },
  };
  return bus;
}

const started: Device[] = [];
afterEach(async () => {
  for (const d of started.splice(0)) await d.stop();
});

/** The agent's device set with one HID POS reader (and a virtual printer beside it) on the fake bus. */
async function startReader(hid: ReturnType<typeof fakeHid>) {
  const scans: ScanRead[] = [];
  const configs = [
    {
      id: 'scanner-1',
      kind: 'barcodeReader',
      profile: 'generic-hid-pos-reader',
      transport: { type: 'hidPos' },
    },
    {
      id: 'printer-1',
      kind: 'receiptPrinter',
      profile: 'epson-tm-t88vi',
      transport: { type: 'virtual', dir: mkdtempSync(join(tmpdir(), 'bunko-hidpos-')) },
    },
  ].map((c) => DeviceConfig.parse(c));
  const devices = createDevices(configs, silentLogger, undefined, {
    hid,
    onScan: (deviceId, read) => {
      expect(deviceId).toBe('scanner-1');
      scans.push(read);
    },
  });
  for (const d of devices.values()) {
    started.push(d);
    await d.start();
  }
  const reader = devices.get('scanner-1')!;
  return { devices, reader, scans, status: () => reader.info().status };
}

describe('HID POS reader driver on a stand-in device', () => {
  it('turns input reports into scans with their symbology, joining a split barcode', async () => {
    const hid = fakeHid();
    const { reader, scans } = await startReader(hid);
    expect(reader.info()).toMatchObject({ transport: 'hidPos', status: 'ok' });
    expect(hid.opened.length).toBe(1);

    hid.current.report(NW7_REPORT);
    hid.current.report(JAN_REPORT);
    hid.current.report(QR_FIRST); // "continued": nothing yet
    expect(scans.length).toBe(2);
    hid.current.report(QR_SECOND);
    // a reader set to append CR: the suffix is not data
    const withCr = NW7_REPORT.slice();
    withCr[1] = 10;
    withCr[5 + 9] = 0x0d;
    hid.current.report(withCr);
    // another report (status, id 0x04) is not a scan
    const status = NW7_REPORT.slice();
    status[0] = 0x04;
    hid.current.report(status);

    expect(scans).toEqual([
      { data: 'A1000001A', symbology: 'nw7' },
      { data: '9784101010014', symbology: 'jan13' },
      { data: QR_TEXT, symbology: 'qr' },
      { data: 'A1000001A', symbology: 'nw7' },
    ]);
  });

  it('marks an unplugged reader errored, keeps the other devices, reopens it when it is back', async () => {
    const hid = fakeHid();
    const { devices, reader, scans, status } = await startReader(hid);
    const first = hid.current;
    first.report(QR_FIRST); // half a barcode when the cable is pulled

    hid.unplug();
    expect(reader.info()).toMatchObject({ status: 'error', detail: 'could not read from HID device' });
    await vi.waitFor(() => expect(first.closed).toBe(true));
    expect(devices.get('printer-1')!.info().status).toBe('ok');
    // a late report from the pulled device is not a scan
    first.report(NW7_REPORT);
    expect(scans).toEqual([]);

    // plugged back in: the runner's retry opens a new device and scans flow again
    hid.plugged = true;
    await vi.waitFor(() => expect(status()).toBe('ok'), { timeout: 15_000 });
    expect(hid.opened.length).toBe(2);
    const second = hid.current;
    expect(second).not.toBe(first);
    // the half barcode from before the unplug is forgotten, not glued to the next one
    second.report(JAN_REPORT);
    second.report(QR_FIRST);
    second.report(QR_SECOND);
    expect(scans).toEqual([
      { data: '9784101010014', symbology: 'jan13' },
      { data: QR_TEXT, symbology: 'qr' },
    ]);
  });

  it('a reader missing at start is errored, then opened when it appears', async () => {
    const hid = fakeHid();
    hid.plugged = false;
    const { reader, scans, status } = await startReader(hid);
    expect(reader.info()).toMatchObject({ status: 'error' });
    expect(reader.info().detail).toMatch(/no HID POS barcode reader found/);
    hid.plugged = true;
    await vi.waitFor(() => expect(status()).toBe('ok'), { timeout: 15_000 });
    hid.current.report(NW7_REPORT);
    expect(scans).toEqual([{ data: 'A1000001A', symbology: 'nw7' }]);
  });

  it('stopping closes the device and stops reading', async () => {
    const hid = fakeHid();
    const { reader, scans } = await startReader(hid);
    const device = hid.current;
    await reader.stop();
    started.splice(started.indexOf(reader), 1);
    expect(device.closed).toBe(true);
    expect(device.listenerCount('data')).toBe(0);
    device.report(NW7_REPORT);
    device.emit('error', new Error('late error after close')); // swallowed, nothing thrown
    expect(scans).toEqual([]);
    expect(hid.opened.length).toBe(1);
  });
});
