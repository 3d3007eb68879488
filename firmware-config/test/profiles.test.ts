import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEVICE_KINDS,
  getProfile,
  isPrinterProfile,
  loadProfiles,
  PROFILES_DIR,
  ProfileError,
} from '../src/index.ts';

const dirs: string[] = [];
const scratch = () => {
  const d = mkdtempSync(join(tmpdir(), 'bunko-profiles-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('shipped device profiles', () => {
  it('every file in profiles/ validates, and its id is its file name', () => {
    const files = readdirSync(PROFILES_DIR).filter((f) => f.endsWith('.json'));
    const profiles = loadProfiles();
    expect(profiles.size).toBe(files.length);
    for (const f of files) expect(profiles.has(f.replace(/\.json$/, ''))).toBe(true);
  });

  it('covers a receipt printer, a label printer, a barcode reader and a handheld', () => {
    const kinds = new Set([...loadProfiles().values()].map((p) => p.kind));
    for (const k of ['receiptPrinter', 'labelPrinter', 'barcodeReader', 'handheld'] as const)
      expect(kinds.has(k)).toBe(true);
    for (const k of kinds) expect(DEVICE_KINDS).toContain(k);
  });

  it('describes the TM-T88VI as an 80 mm ESC/POS printer in CP932 with a partial cutter', () => {
    const p = getProfile('epson-tm-t88vi');
    expect(p && isPrinterProfile(p)).toBe(true);
    if (!p || !isPrinterProfile(p)) return;
    expect(p.printer).toMatchObject({
      commandSet: 'escpos',
      paperWidthMm: 80,
      encoding: 'cp932',
      kanji: true,
      cutter: 'partial',
    });
    expect(getProfile('no-such-model')).toBeUndefined();
  });

  it('reads NW-7 with the mod 16 check digit on the reader profile', () => {
    const p = getProfile('generic-nw7-reader');
    expect(p?.kind === 'barcodeReader' && p.scanner.symbologies).toContain('nw7');
  });
});

describe('handheld terminal profiles (蔵書点検)', () => {
  it('describe a drop-folder CSV terminal in CP932 with a header, a UTF-8 TSV one and a serial cradle', () => {
    const csv = getProfile('generic-handheld-csv-cp932');
    expect(csv?.kind === 'handheld' && csv.transfer).toMatchObject({
      mode: 'dropFolder',
      encoding: 'cp932',
      delimiter: ',',
      header: true,
      columns: ['terminalId', 'shelfTag', 'barcode', 'scannedAt'],
    });
    const tsv = getProfile('generic-handheld-tsv-utf8');
    expect(tsv?.kind === 'handheld' && tsv.transfer).toMatchObject({
      mode: 'dropFolder',
      encoding: 'utf8',
      delimiter: '\t',
      header: false,
    });
    const cradle = getProfile('generic-handheld-cradle');
    expect(cradle?.kind === 'handheld' && cradle.transfer).toMatchObject({
      mode: 'serial',
      lineEnding: 'crlf',
      dataFields: ['barcode', 'scannedAt'],
    });
  });

  it('refuses a drop-folder profile without exactly one barcode column', () => {
    const dir = scratch();
    const base = JSON.parse(readFileSync(join(PROFILES_DIR, 'generic-handheld-csv-cp932.json'), 'utf8'));
    base.id = 'no-barcode';
    base.transfer.columns = ['terminalId', 'scannedAt'];
    writeFileSync(join(dir, 'no-barcode.json'), JSON.stringify(base));
    expect(() => loadProfiles(dir)).toThrow(
      /no-barcode\.json: transfer\.columns: exactly one column must be "barcode"/,
    );
  });
});

describe('a broken profile', () => {
  it('is rejected with the file name and the field', () => {
    const dir = scratch();
    copyFileSync(join(PROFILES_DIR, 'epson-tm-t88vi.json'), join(dir, 'epson-tm-t88vi.json'));
    writeFileSync(
      join(dir, 'bad-printer.json'),
      JSON.stringify({
        id: 'bad-printer',
        kind: 'receiptPrinter',
        vendor: 'x',
        model: 'y',
        nameJa: '壊れた',
        transports: ['tcp9100'],
        printer: { commandSet: 'escpos', paperWidthMm: 80, dotsPerLine: 576, columns: 'many' },
      }),
    );
    let caught: unknown;
    try {
      loadProfiles(dir);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ProfileError);
    const e = caught as ProfileError;
    expect(e.file).toBe('bad-printer.json');
    expect(e.issues.map((i) => i.path)).toEqual(['printer.columns']);
    expect(e.message).toMatch(/bad-printer\.json: printer\.columns:/);
  });

  it('is rejected when its id does not match the file name, or it is not JSON', () => {
    const dir = scratch();
    copyFileSync(join(PROFILES_DIR, 'epson-tm-t88vi.json'), join(dir, 'renamed.json'));
    expect(() => loadProfiles(dir)).toThrow(/renamed\.json: id: must equal the file name "renamed"/);
    const other = scratch();
    writeFileSync(join(other, 'broken.json'), '{ "id": ');
    expect(() => loadProfiles(other)).toThrow(/broken\.json: \(root\): not valid JSON/);
  });

  it('names an unknown kind', () => {
    const dir = scratch();
    writeFileSync(join(dir, 'toaster.json'), JSON.stringify({ id: 'toaster', kind: 'toaster' }));
    expect(() => loadProfiles(dir)).toThrow(/toaster\.json: kind:/);
  });
});

describe('the 館内OPAC kiosk profile', () => {
  const kiosk = () => {
    const p = getProfile('opac-kiosk-chromium');
    if (p?.kind !== 'kiosk' || !p.launch) throw new Error('no kiosk launch profile');
    return p.launch;
  };

  it('starts Chromium full screen, incognito, without developer tools, on the OPAC only', () => {
    const l = kiosk();
    expect(l.flags).toEqual(expect.arrayContaining(['--kiosk', '--incognito']));
    expect(l.flags.some((f) => f.startsWith('--remote-debugging'))).toBe(false);
    expect(l.policies.DeveloperToolsAvailability).toBe(2);
    expect(l.policies.URLBlocklist).toEqual(['*']);
    expect(l.policies.URLAllowlist.every((u) => u.startsWith('{origin}/'))).toBe(true);
    expect(l.startUrl).toBe('{origin}/opac?kiosk={kioskId}');
    expect(l.idleResetSeconds).toBeGreaterThanOrEqual(5);
  });

  it('refuses a kiosk profile that could be left or inspected', () => {
    const dir = scratch();
    const good = JSON.parse(readFileSync(join(PROFILES_DIR, 'opac-kiosk-chromium.json'), 'utf8')) as {
      id: string;
      launch: { flags: string[]; policies: { URLAllowlist: string[] } };
    };
    good.id = 'open-kiosk';
    good.launch.flags = ['--kiosk', '--remote-debugging-port=9222'];
    good.launch.policies.URLAllowlist.push('https://example.com/');
    writeFileSync(join(dir, 'open-kiosk.json'), JSON.stringify(good));
    let caught: ProfileError | undefined;
    try {
      loadProfiles(dir);
    } catch (err) {
      caught = err as ProfileError;
    }
    expect(caught).toBeInstanceOf(ProfileError);
    expect(caught!.message).toContain('--incognito is required');
    expect(caught!.issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(['launch.flags', 'launch.flags[1]', 'launch.policies.URLAllowlist[6]']),
    );
  });
});
