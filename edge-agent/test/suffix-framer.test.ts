import { describe, expect, it } from 'vitest';
import { SuffixFramer } from '../src/drivers/suffix-framer.ts';

const bytes = (s: string) => Buffer.from(s, 'latin1');

describe('serial suffix framing', () => {
  it('cuts at CR and keeps NW-7 start/stop characters as sent', () => {
    const f = new SuffixFramer('cr');
    expect(f.push(bytes('A1000001A\r'))).toEqual({ frames: ['A1000001A'], dropped: 0 });
  });

  it('joins a barcode split over reads and splits reads holding several', () => {
    const f = new SuffixFramer('cr');
    expect(f.push(bytes('A100')).frames).toEqual([]);
    expect(f.push(bytes('0001A\rB20')).frames).toEqual(['A1000001A']);
    expect(f.push(bytes('00002B\r1234567\r')).frames).toEqual(['B2000002B', '1234567']);
  });

  it('LF and CR+LF suffixes; a CR+LF reader set to CR or LF still reads cleanly', () => {
    expect(new SuffixFramer('lf').push(bytes('A1\nA2\n')).frames).toEqual(['A1', 'A2']);
    expect(new SuffixFramer('crlf').push(bytes('A1\r\nA2\r\n')).frames).toEqual(['A1', 'A2']);
    const crlf = new SuffixFramer('crlf');
    expect(crlf.push(bytes('A1\r')).frames).toEqual([]);
    expect(crlf.push(bytes('\n')).frames).toEqual(['A1']);
    expect(new SuffixFramer('cr').push(bytes('A1\r\nA2\r\n')).frames).toEqual(['A1', 'A2']);
    expect(new SuffixFramer('lf').push(bytes('A1\r\nA2\r\n')).frames).toEqual(['A1', 'A2']);
  });

  it('drops STX/ETX framing and empty lines, and refuses a barcode with a control character inside', () => {
    const f = new SuffixFramer('cr');
    expect(f.push(bytes('\x02A1000001A\x03\r\r\r'))).toEqual({ frames: ['A1000001A'], dropped: 0 });
    expect(f.push(bytes('A100\x00001A\r'))).toEqual({ frames: [], dropped: 1 });
  });

  it('throws away a run with no suffix (wrong suffix setting) instead of growing without end', () => {
    const f = new SuffixFramer('cr', 32);
    const r = f.push(bytes('A1000001A\nA1000002A\nA1000003A\nA1000004A\n'));
    expect(r).toEqual({ frames: [], dropped: 1 });
    expect(f.push(bytes('A1000005A\r')).frames).toEqual(['A1000005A']);
  });

  it('decodes UTF-8 and refuses bytes that are not', () => {
    const f = new SuffixFramer('cr');
    expect(f.push(Buffer.concat([Buffer.from('図書館', 'utf8'), bytes('\r')])).frames).toEqual(['図書館']);
    expect(f.push(Buffer.from([0x93, 0xfa, 0x0d]))).toEqual({ frames: [], dropped: 1 });
  });
});
