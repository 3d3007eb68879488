import { describe, expect, it } from 'vitest';
import { HidPosAssembler, parseHidPosReport, symbologyFromAim } from '../src/drivers/hid-pos-report.ts';
import { pickHidPosDevice } from '../src/drivers/hid-pos-scanner.ts';
import { JAN_REPORT, NW7_REPORT, QR_FIRST, QR_SECOND, QR_TEXT } from './support/hid-pos-reports.ts';

describe('HID POS scanned-data reports', () => {
  it('recorded reports are 64 bytes, as the reader sends them', () => {
    expect(QR_TEXT.length).toBe(60);
    for (const r of [NW7_REPORT, JAN_REPORT, QR_FIRST, QR_SECOND]) expect(r.length).toBe(64);
  });

  it('parses an NW-7 report: AIM id, the data bytes only, vendor code, not continued', () => {
    const r = parseHidPosReport(NW7_REPORT)!;
    expect(r.aim).toBe(']F0');
    expect(Buffer.from(r.data).toString('latin1')).toBe('A1000001A');
    expect(r.continued).toBe(false);
    expect(r.vendorCode).toBe(0x61);
  });

  it('turns one report into one read with its symbology; start/stop stay as sent', () => {
    const a = new HidPosAssembler();
    expect(a.push(NW7_REPORT)).toEqual({ data: 'A1000001A', symbology: 'nw7' });
    expect(a.push(JAN_REPORT)).toEqual({ data: '9784101010014', symbology: 'jan13' });
  });

  it('joins a barcode that spans reports at the "continued" bit', () => {
    const a = new HidPosAssembler();
    expect(parseHidPosReport(QR_FIRST)?.continued).toBe(true);
    expect(a.push(QR_FIRST)).toBeNull();
    expect(a.push(QR_SECOND)).toEqual({ data: QR_TEXT, symbology: 'qr' });
    // and starts afresh for the next one
    expect(a.push(NW7_REPORT)).toEqual({ data: 'A1000001A', symbology: 'nw7' });
  });

  it('decodes UTF-8 data (a Japanese QR code)', () => {
    const text = Buffer.from('石垣市立図書館', 'utf8');
    const report = new Uint8Array(64);
    report.set([0x02, text.length, 0x5d, 0x51, 0x31]);
    report.set(text, 5);
    expect(new HidPosAssembler().push(report)).toEqual({ data: '石垣市立図書館', symbology: 'qr' });
  });

  it('ignores other reports, short reports and empty data; clamps a bad length to the report', () => {
    const a = new HidPosAssembler();
    const status = NW7_REPORT.slice();
    status[0] = 0x04;
    expect(parseHidPosReport(status)).toBeNull();
    expect(a.push(status)).toBeNull();
    expect(a.push(Uint8Array.of(0x02, 0x01, 0x5d))).toBeNull();
    const empty = NW7_REPORT.slice();
    empty[1] = 0;
    expect(a.push(empty)).toBeNull();
    const tooLong = NW7_REPORT.slice();
    tooLong[1] = 0xff; // says 255 bytes: only the 56 data bytes of the report are read
    expect(parseHidPosReport(tooLong)?.data.length).toBe(56);
    expect(a.push(tooLong)?.data).toBe('A1000001A'); // the zero padding is not data
  });

  it('reads a report without an AIM identifier as data of no known symbology', () => {
    const r = NW7_REPORT.slice();
    r.set([0, 0, 0], 2);
    expect(new HidPosAssembler().push(r)).toEqual({ data: 'A1000001A' });
  });

  it('drops a barcode longer than the limit whole, including its later reports', () => {
    const a = new HidPosAssembler(60);
    expect(a.push(QR_FIRST)).toBeNull();
    const cont = QR_FIRST.slice(); // a third report would follow
    expect(a.push(cont)).toBeNull(); // 112 bytes > 60: dropped, skipping to the end
    expect(a.push(QR_SECOND)).toBeNull();
    expect(a.push(NW7_REPORT)).toEqual({ data: 'A1000001A', symbology: 'nw7' });
  });

  it('maps AIM identifiers to symbologies', () => {
    expect(symbologyFromAim(']F0')).toBe('nw7');
    expect(symbologyFromAim(']E0')).toBe('jan13');
    expect(symbologyFromAim(']E4')).toBe('jan8');
    expect(symbologyFromAim(']C0')).toBe('code128');
    expect(symbologyFromAim(']A0')).toBe('code39');
    expect(symbologyFromAim(']I0')).toBe('itf');
    expect(symbologyFromAim(']Q1')).toBe('qr');
    expect(symbologyFromAim(']d2')).toBe('other');
    expect(symbologyFromAim('')).toBeUndefined();
  });

  it('picks the HID POS scanner collection, by ids or path', () => {
    const list = [
      { vendorId: 0x0c2e, productId: 0x0b87, path: '/dev/hidraw0', usagePage: 0x01, usage: 0x06 }, // keyboard
      { vendorId: 0x0c2e, productId: 0x0b87, path: '/dev/hidraw1', usagePage: 0x8c, usage: 0x02 },
      { vendorId: 0x05e0, productId: 0x1300, path: '/dev/hidraw2', usagePage: 0x8c, usage: 0x02 },
    ].map((d) => ({ ...d, release: 0, interface: 0 }));
    expect(pickHidPosDevice(list, { type: 'hidPos' })?.path).toBe('/dev/hidraw1');
    expect(pickHidPosDevice(list, { type: 'hidPos', vendorId: 0x05e0 })?.path).toBe('/dev/hidraw2');
    expect(pickHidPosDevice(list, { type: 'hidPos', path: '/dev/hidraw0' })?.path).toBe('/dev/hidraw0');
    expect(pickHidPosDevice(list, { type: 'hidPos', productId: 0x9999 })).toBeUndefined();
  });
});
