import { describe, expect, it } from 'vitest';
import { asSheet, ippDeviceStatus } from '../src/drivers/ipp-printer.ts';
import { httpUrl } from '../src/ipp.ts';

describe('IPP printer state as device status', () => {
  const p = (state: 'idle' | 'processing' | 'stopped', reasons: string[], acceptingJobs = true) => ({
    state,
    reasons,
    message: '',
    acceptingJobs,
  });
  it('maps printer-state-reasons (RFC 8011) to what the devices page shows', () => {
    expect(ippDeviceStatus(p('idle', []))).toEqual({ status: 'ok' });
    expect(ippDeviceStatus(p('stopped', ['media-empty-error']))).toMatchObject({ status: 'paperEnd' });
    expect(ippDeviceStatus(p('stopped', ['media-needed']))).toMatchObject({ status: 'paperEnd' });
    expect(ippDeviceStatus(p('stopped', ['cover-open-error']))).toMatchObject({ status: 'coverOpen' });
    expect(ippDeviceStatus(p('stopped', ['media-jam-error']))).toMatchObject({ status: 'error' });
    expect(ippDeviceStatus(p('stopped', ['offline-report', 'offline']))).toMatchObject({ status: 'offline' });
    expect(ippDeviceStatus(p('stopped', ['paused']))).toEqual({ status: 'error', detail: 'stopped: paused' });
    expect(ippDeviceStatus(p('idle', [], false))).toMatchObject({ status: 'error' });
    // warnings do not stop printing
    expect(ippDeviceStatus(p('processing', ['media-low-warning', 'toner-low-warning']))).toEqual({
      status: 'ok',
      detail: 'processing: media-low-warning: toner-low-warning',
    });
  });

  it('turns ipp:// into the HTTP address it is posted to', () => {
    expect(httpUrl('ipp://printer.local/ipp/print')).toBe('http://printer.local:631/ipp/print');
    expect(httpUrl('ipp://127.0.0.1:8631/printers/a')).toBe('http://127.0.0.1:8631/printers/a');
    expect(httpUrl('ipps://printer.local/ipp/print')).toBe('https://printer.local/ipp/print');
    expect(() => httpUrl('lpd://x/q')).toThrow(/not an IPP URL/);
  });

  it('prints plain lines as a page; receipts belong on receipt printers', () => {
    expect(asSheet({ kind: 'text', lines: ['a', 'b'] })).toMatchObject({
      kind: 'sheet',
      blocks: [{ type: 'paragraph', text: 'a\nb' }],
    });
    expect(() =>
      asSheet({ kind: 'document', title: 'checkout-receipt', blocks: [{ type: 'rule' }] }),
    ).toThrow(/not a page/);
  });
});
